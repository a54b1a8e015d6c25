// seganypet-infer's settings: the default config (the one place a default is written, also the schema
// for --config/--set) and the checked settings built from the resolved config.
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "labkit/core/config.h"

namespace labkit::seganypet_infer {

// The tool's default config.
nlohmann::json default_config();

struct Settings {
  double spacing_mm;               // isotropic model spacing (upstream target_spacing)
  std::vector<int> eval_clicks;    // click counts at which evaluation records Dice/NSD: ascending, unique
  double nsd_tolerance_mm;
  int max_crops;                   // per prompted target: the first crop + neighbours while the mask reaches a face
  bool suv;                        // report values in SUVbw (DICOM PET series only); the masks do not depend on it
  bool overlay;                    // write <case>_overlay.png (overlay.h) beside each mask

  // Every key read once and checked; InputError "config <key>: ...".
  static Settings from_config(const labkit::Config& c);
  static Settings defaults();  // from default_config()
};

}  // namespace labkit::seganypet_infer
