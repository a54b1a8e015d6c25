// aneumo-build's vessel-surface reader (case --surface: STL, ASCII or binary, and VTK XML .vtp, through
// VTK's readers, then the closed-manifold check). The first byte picks the suffix the reader dispatches
// on; the rest is the file.
#include "harness.h"
#include "surface_io.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string name = data[0] % 2 ? "input.vtp" : "input.stl";
  const std::string path = labkit::fuzz::write_input(data + 1, size - 1, name);
  labkit::fuzz::expect_input_error_only([&] { labkit::aneumo_build::read_surface(path); });
  return 0;
}
