// libs/core's `--set key=value` overrides, one per input line, then the settings layer's range checks
// (nvr-sim's defaults and parse_config as the real example), and the "did you mean" suggestions.
#include <sstream>

#include "settings.h"
#include "harness.h"
#include "labkit/core/config.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  labkit::Config config(labkit::nvr_sim::default_config());
  std::istringstream lines{std::string(labkit::fuzz::as_text(data, size))};
  std::string line;
  labkit::fuzz::expect_input_error_only([&] {
    while (std::getline(lines, line)) {
      labkit::nearest_names(line.substr(0, line.find('=')), config.keys());
      config.apply_override(line);
    }
    labkit::nvr_sim::parse_config(config.json());
  });
  return 0;
}
