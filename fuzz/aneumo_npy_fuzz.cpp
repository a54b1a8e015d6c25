// aneumo-build's .npy reader (masks such as the released real_data/img_data/<id>.npy): parsed from bytes.
#include "harness.h"
#include "npy_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  labkit::fuzz::expect_input_error_only([&] { labkit::aneumo_build::parse_npy(bytes, "input.npy"); });
  return 0;
}
