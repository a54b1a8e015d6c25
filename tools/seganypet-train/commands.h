// seganypet-train's two commands as named steps: training (settings, data, process group, trainer, the
// optional install as the default model) and the results table for stdout.
#pragma once

#include <string>

#include "labkit/core/tool.h"

namespace labkit::seganypet_train {

// Trains on the cases of `manifest` (with --resume, continues from --out/checkpoint); with
// `install_default`, rank 0 copies the model to the default model path afterwards.
void train_command(const std::string& manifest, bool install_default, labkit::Run& run);

// The table printed on stdout after training: per epoch the training loss and validation Dice by clicks.
std::string training_table(const nlohmann::json& metrics);

// report.json "curves" (labkit/core/curves.h) from the per-epoch history: the training loss, and the
// validation Dice per click count.
nlohmann::json training_curves(const nlohmann::json& history);

// The table printed on stdout after `phantoms`: cases, splits, lesions and label corruptions.
std::string phantoms_table(const nlohmann::json& summary);

}  // namespace labkit::seganypet_train
