// nvr-sim's text memory-trace reader ("R|W <addr> <size> [dep] [pc]" lines).
#include "harness.h"
#include "workload.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = labkit::fuzz::write_input(data, size, "input.trace");
  labkit::fuzz::expect_input_error_only([&] { labkit::nvr_sim::read_trace(path); });
  return 0;
}
