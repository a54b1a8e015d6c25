// One case (an image with prompts or a ground truth) from paths to a written mask, and a manifest of
// cases for batch runs.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "labkit/core/tool.h"
#include "labkit/sammed3d/model.h"

namespace seganypet {

struct CaseSpec {
  std::string name;                 // output file prefix ("" = mask.nii.gz)
  std::string image;                // NIfTI/MetaImage/NRRD file or DICOM folder
  std::string gt;                   // ground-truth label map: evaluation mode
  std::string prompts;              // JSON targets file
  std::vector<std::string> points, points_mm;  // command-line clicks ("i,j,k[,label]")
};

struct CaseSettings {
  double spacing_mm = 1.5;
  std::vector<int> eval_clicks{1, 3, 5, 10};
  double nsd_tolerance_mm = 1.0;
  int max_crops = 8;  // per prompted target: the first crop + neighbours while the mask reaches a face
  bool suv = false;   // report values in SUVbw (DICOM PET series only); the masks do not depend on it
};

// Reads and checks everything first, then segments, then writes <out>/<name>mask.nii.gz (uint8, the
// input's exact grid). Returns the case's metrics. InputError for bad input, before anything is written.
nlohmann::json run_case(labkit::sammed3d::Sam3DImpl& model, const CaseSpec& spec, const CaseSettings& settings,
                        labkit::Run& run);

// {"cases": [{"name": "c1", "image": "...", "gt": "...", "prompts": "..."}]}; relative paths are taken
// from the manifest's folder. InputError "<path>: ..." for a bad manifest, a duplicate or unsafe name,
// a case without image or without prompts/gt, or a file that does not exist.
std::vector<CaseSpec> read_manifest(const std::string& path);

}  // namespace seganypet
