// seganypet-infer's batch manifest ({"cases": [...]}). Beside it are files image.nii.gz, gt.nii.gz and
// prompts.json, so manifests that name them get past the existence checks.
#include <fstream>

#include "harness.h"
#include "manifest.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const bool files_made = [] {
    for (const char* name : {"image.nii.gz", "gt.nii.gz", "prompts.json"})
      std::ofstream(labkit::fuzz::work_dir() + "/" + name) << "x";
    return true;
  }();
  (void)files_made;
  const std::string path = labkit::fuzz::write_input(data, size, "manifest.json");
  labkit::fuzz::expect_input_error_only([&] { labkit::seganypet_infer::read_manifest(path); });
  return 0;
}
