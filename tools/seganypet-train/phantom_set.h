// The `phantoms` command: a seeded set of PET phantoms (libs/petseg) written as NIfTI with exact lesion
// labels, simulated low-quality labels for a chosen fraction of the training cases, and a manifest
// (dataset.h format) with train/val splits that seganypet-train and seganypet-infer read.
#pragma once

#include <nlohmann/json.hpp>

#include "labkit/core/tool.h"

namespace labkit::seganypet_train {

struct PhantomSetSettings {
  int cases = 24;
  double val_fraction = 0.25;  // the last round(cases * fraction) cases are validation (always exact labels)
  double lq_fraction = 0.5;    // of the training cases: labels replaced by simulated low-quality ones
};

// Writes case files + manifest.json into the run's --out; returns a summary for report.json.
nlohmann::json write_phantom_set(const PhantomSetSettings& settings, const nlohmann::json& phantom_spec,
                                 const nlohmann::json& noise_spec, labkit::Run& run);

}  // namespace labkit::seganypet_train
