// One case (an image with prompts or a ground truth) from paths to a written mask, and a manifest of
// cases for batch runs.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "labkit/core/tool.h"
#include "labkit/sammed3d/model.h"
#include "settings.h"

namespace labkit::seganypet_infer {

struct CaseSpec {
  std::string name;                 // case name ("" for a single image)
  std::string mask_name = "mask.nii.gz";  // output file in --out
  std::string image;                // NIfTI/MetaImage/NRRD file or DICOM folder
  std::string gt;                   // ground-truth label map: evaluation mode
  std::string prompts;              // JSON targets file
  std::vector<std::string> points, points_mm, points_ras;  // command-line clicks ("x,y,z[,label]")
};

// Reads and checks everything first (NaN/inf voxels, a grid too large at the model spacing, clicks
// outside the image: InputError before anything is written), then segments, then writes
// <out>/<mask_name> (uint8, the input's exact grid) and, with settings.overlay, <case>_overlay.png
// (overlay.png for a single image; slices through the first click, see overlay.h). Returns the case's metrics; in evaluation, "dice"
// and "nsd" are lists aligned with settings.eval_clicks (ascending click counts).
nlohmann::json run_case(labkit::sammed3d::Sam3DImpl& model, const CaseSpec& spec, const Settings& settings,
                        labkit::Run& run);

// {"cases": [{"name": "c1", "image": "...", "gt": "...", "prompts": "..."}]}; relative paths are taken
// from the manifest's folder; masks are written as <name>.mask.nii.gz. InputError "<path>: ..." for a bad manifest, a duplicate or unsafe name,
// a case without image or without prompts/gt, or a file that does not exist.
std::vector<CaseSpec> read_manifest(const std::string& path);

}  // namespace labkit::seganypet_infer
