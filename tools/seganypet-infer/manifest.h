// A case (image plus prompts or ground truth, as paths) and the batch manifest that lists cases. No torch
// or ITK here: the fuzz harness (fuzz/seganypet_manifest_fuzz.cpp) drives read_manifest as it is.
#pragma once

#include <string>
#include <vector>

namespace labkit::seganypet_infer {

struct CaseSpec {
  std::string name;                 // case name ("" for a single image)
  std::string mask_name = "mask.nii.gz";  // output file in --out
  std::string image;                // NIfTI/MetaImage/NRRD file or DICOM folder
  std::string gt;                   // ground-truth label map: evaluation mode
  std::string prompts;              // JSON targets file
  std::vector<std::string> points, points_mm, points_ras;  // command-line clicks ("x,y,z[,label]")
};

// {"cases": [{"name": "c1", "image": "...", "gt": "...", "prompts": "..."}]}; relative paths are taken
// from the manifest's folder; masks are written as <name>.mask.nii.gz. InputError "<path>: ..." for a bad manifest, a duplicate or unsafe name,
// a case without image or without prompts/gt, or a file that does not exist.
std::vector<CaseSpec> read_manifest(const std::string& path);

}  // namespace labkit::seganypet_infer
