// nvr-sim's Matrix Market reader (coordinate; real/integer/complex/pattern; general/symmetric/skew/hermitian).
#include "harness.h"
#include "workload.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = labkit::fuzz::write_input(data, size, "input.mtx");
  labkit::fuzz::expect_input_error_only([&] { labkit::nvr_sim::read_matrix_market(path); });
  return 0;
}
