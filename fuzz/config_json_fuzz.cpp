// libs/core's config file merge (--config FILE: the defaults are the schema) followed by the settings
// layer that checks every value's range, with nvr-sim's defaults and parse_config as the real example.
#include "settings.h"
#include "harness.h"
#include "labkit/core/config.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = labkit::fuzz::write_input(data, size, "config.json");
  labkit::fuzz::expect_input_error_only([&] {
    labkit::Config config(labkit::nvr_sim::default_config());
    config.merge_file(path);
    labkit::nvr_sim::parse_config(config.json());
  });
  return 0;
}
