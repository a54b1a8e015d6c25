// nvr-sim's ChampSim binary trace reader (uncompressed; .xz/.gz go through xz/gzip processes first).
#include "harness.h"
#include "workload.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = labkit::fuzz::write_input(data, size, "input.champsimtrace");
  labkit::fuzz::expect_input_error_only([&] { labkit::nvr_sim::read_champsim_trace(path, 0); });
  return 0;
}
