// Training settings as resolved from the tool's config (defaults in main.cpp, documented in README).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "dataset.h"
#include "interaction.h"
#include "labkit/core/config.h"

namespace seganypet_train {

struct CpclSettings {
  bool enabled = true;
  int passes = 5;               // cross-prompting rounds per model
  int start_epoch = 5;          // before it, low-quality labels are used as they are (models still random)
  double min_agreement = 0.5;   // rectify a sample only if Dice(ensemble, noisy label) reaches this
  double noisy_label_weight = 0.0;  // loss = (1-w) DiceCE(rectified, weights) + w DiceCE(noisy label)
};

struct TrainSettings {
  std::string model = "small";      // small | tiny | vit_b_ori | JSON file of sizes
  std::string init_checkpoint;      // fine-tune from these weights (e.g. converted SAM-Med3D/SegAnyPET)
  DataSettings data;
  int epochs = 30;
  int batch_size = 4;               // per step over all ranks
  int accumulation_steps = 1;
  double lr = 8e-4;
  double decoder_lr_scale = 0.1;    // prompt encoder + mask decoder lr = scale * lr (upstream 0.1)
  double weight_decay = 0.1;
  std::vector<double> lr_milestones{0.6, 0.9};  // fractions of `epochs` (upstream 120/200, 180/200)
  double lr_gamma = 0.1;
  InteractionSettings interaction;
  bool random_flip = true;
  std::vector<int> val_clicks{1, 3, 5};
  CpclSettings cpcl;

  // InputError naming the key for values out of range.
  static TrainSettings from_config(const labkit::Config& c);
};

// The tool's default config (also its schema for --set).
nlohmann::json default_config();

}  // namespace seganypet_train
