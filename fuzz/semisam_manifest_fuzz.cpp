// semisam-train's --manifest ({"cases": [...]} with image, label, name, split): every entry is checked
// before any image is opened, so the reader must turn any bytes into a list or one InputError.
#include "harness.h"
#include "manifest.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = labkit::fuzz::write_input(data, size, "manifest.json");
  labkit::fuzz::expect_input_error_only([&] { labkit::semisam_train::read_manifest(path); });
  return 0;
}
