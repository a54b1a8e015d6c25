// Training settings as resolved from the tool's config (defaults in default_config(), documented in README).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "dataset.h"
#include "interaction.h"
#include "labkit/core/config.h"

namespace labkit::seganypet_train {

// Built by TrainSettings::from_config from default_config() (settings.cpp), the one place the defaults
// are written; the zeros here are no defaults, only initialised memory.
struct CpclSettings {
  bool enabled = false;
  int passes = 0;                 // cross-prompting rounds per model
  int start_epoch = 0;            // before it, low-quality labels are used as they are (models still random)
  double min_agreement = 0;       // rectify a sample only if Dice(ensemble, noisy label) reaches this
  double noisy_label_weight = 0;  // loss = (1-w) DiceCE(rectified, weights) + w DiceCE(noisy label)
};

struct TrainSettings {
  std::string model;                // small | tiny | vit_b_ori | JSON file of sizes
  std::string init_checkpoint;      // fine-tune from these weights (e.g. converted SAM-Med3D/SegAnyPET)
  DataSettings data;
  int epochs = 0;
  int batch_size = 0;               // per step over all ranks
  int accumulation_steps = 0;
  double lr = 0;
  double decoder_lr_scale = 0;      // prompt encoder + mask decoder lr = scale * lr (upstream 0.1)
  double weight_decay = 0;
  std::vector<double> lr_milestones;  // fractions of `epochs` (upstream 120/200, 180/200)
  double lr_gamma = 0;
  InteractionSettings interaction;
  bool random_flip = false;
  std::vector<int> val_clicks;      // ascending, unique
  CpclSettings cpcl;

  // Every key read once and checked (range, finiteness); InputError "config <key>: ...".
  static TrainSettings from_config(const labkit::Config& c);
  static TrainSettings defaults();  // from default_config() (tests start from these)
};

// The tool's default config (also its schema for --set).
nlohmann::json default_config();

}  // namespace labkit::seganypet_train
