// remalis-train's readers of SUMO's XML outputs (tools/remalis-train/sumo_net.cpp, sumo_env.cpp's
// statistics reader uses the same attribute scan): the .net.xml scan and the first-element lookup. The
// bytes are a network file; InputError (naming the file) is the expected answer to anything malformed.
#include "harness.h"
#include "sumo_net.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  labkit::fuzz::expect_input_error_only([&] {
    const auto net = labkit::remalis_train::scan_net(text, "net.xml");
    if (!net.edges.empty()) labkit::remalis_train::make_trips(net, {0.5}, 60, 1);
  });
  labkit::fuzz::expect_input_error_only([&] {
    labkit::remalis_train::first_element_attributes(text, "vehicleTripStatistics", "stats.xml");
  });
  return 0;
}
