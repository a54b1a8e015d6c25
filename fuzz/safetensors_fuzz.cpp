// labkit::tensorio's safetensors reader: the 8-byte length, the JSON header and every tensor's extent.
#include "harness.h"
#include "labkit/tensorio/safetensors.h"

volatile unsigned g_sink;  // keeps the reads of tensor bytes from being optimised away

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = labkit::fuzz::write_input(data, size, "input.safetensors");
  labkit::fuzz::expect_input_error_only([&] {
    auto file = labkit::tensorio::SafetensorsFile::open(path);
    // Read bytes across every tensor's extent, its last one included: an extent past the mapping faults.
    unsigned sum = 0;
    for (const auto& t : file->tensors()) {
      for (std::size_t i = 0; i < t.nbytes; i += 61) sum += t.data[i];
      if (t.nbytes) sum += t.data[t.nbytes - 1];
    }
    g_sink = sum;
  });
  return 0;
}
