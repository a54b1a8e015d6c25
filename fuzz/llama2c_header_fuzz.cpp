// labkit::llama's llama2.c checkpoint header check (sizes and the file size they imply), before any
// weight is read.
#include "harness.h"
#include "labkit/llama/llama2c_header.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = labkit::fuzz::write_input(data, size, "model.bin");
  labkit::fuzz::expect_input_error_only([&] { labkit::llama::read_llama2c_header(path); });
  return 0;
}
