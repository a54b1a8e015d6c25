// puir-train's multi-modal manifest (Decathlon {"training": [...], "validation": [...]} or {"cases": [...]}).
// Beside it are files t1n.nii.gz, t2w.nii.gz and seg.nii.gz, so manifests that name them get past the
// existence checks.
#include <fstream>

#include "harness.h"
#include "manifest.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const bool files_made = [] {
    for (const char* name : {"t1n.nii.gz", "t2w.nii.gz", "seg.nii.gz"})
      std::ofstream(labkit::fuzz::work_dir() + "/" + name) << "x";
    return true;
  }();
  (void)files_made;
  const std::string path = labkit::fuzz::write_input(data, size, "dataset.json");
  labkit::fuzz::expect_input_error_only([&] { labkit::puir_train::read_manifest(path, {"t1n", "t2w"}); });
  return 0;
}
