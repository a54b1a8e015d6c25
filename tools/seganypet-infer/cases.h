// One case (an image with prompts or a ground truth) from paths to a written mask; the case list and its
// manifest reader are in manifest.h.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "labkit/core/tool.h"
#include "labkit/sammed3d/model.h"
#include "manifest.h"
#include "settings.h"

namespace labkit::seganypet_infer {

// Reads and checks everything first (NaN/inf voxels, a grid too large at the model spacing, clicks
// outside the image: InputError before anything is written), then segments, then writes
// <out>/<mask_name> (uint8, the input's exact grid) and, with settings.overlay, <case>_overlay.png
// (overlay.png for a single image; slices through the first click, see overlay.h). Returns the case's metrics; in evaluation, "dice"
// and "nsd" are lists aligned with settings.eval_clicks (ascending click counts).
nlohmann::json run_case(labkit::sammed3d::Sam3DImpl& model, const CaseSpec& spec, const Settings& settings,
                        labkit::Run& run);

}  // namespace labkit::seganypet_infer
