#include "settings.h"

#include "labkit/core/error.h"

namespace seganypet_train {

nlohmann::json default_config() {
  return {{"model", "small"},
          {"init_checkpoint", ""},
          {"spacing_mm", 1.5},
          {"min_target_voxels", 100},
          {"epochs", 30},
          {"batch_size", 4},
          {"accumulation_steps", 1},
          {"lr", 8e-4},
          {"decoder_lr_scale", 0.1},
          {"weight_decay", 0.1},
          {"lr_milestones", {0.6, 0.9}},
          {"lr_gamma", 0.1},
          {"iterations", 11},
          {"accumulate_clicks", false},
          {"random_flip", true},
          {"val_clicks", {1, 3, 5}},
          {"cpcl", {{"enabled", true}, {"passes", 5}, {"start_epoch", 5}, {"min_agreement", 0.5}, {"noisy_label_weight", 0.0}}}};
}

TrainSettings TrainSettings::from_config(const labkit::Config& c) {
  TrainSettings s;
  auto bad = [](const std::string& key, const std::string& why) {
    return labkit::InputError("config " + key + ": " + why);
  };
  s.model = c.get<std::string>("model");
  s.init_checkpoint = c.get<std::string>("init_checkpoint");
  s.data.spacing_mm = c.get<double>("spacing_mm");
  if (!(s.data.spacing_mm > 0)) throw bad("spacing_mm", "must be positive");
  s.data.min_target_voxels = c.get<int64_t>("min_target_voxels");
  if (s.data.min_target_voxels < 1) throw bad("min_target_voxels", "must be >= 1");
  s.epochs = c.get<int>("epochs");
  if (s.epochs < 1) throw bad("epochs", "must be >= 1");
  s.batch_size = c.get<int>("batch_size");
  if (s.batch_size < 1) throw bad("batch_size", "must be >= 1");
  s.accumulation_steps = c.get<int>("accumulation_steps");
  if (s.accumulation_steps < 1) throw bad("accumulation_steps", "must be >= 1");
  s.lr = c.get<double>("lr");
  if (!(s.lr > 0)) throw bad("lr", "must be positive");
  s.decoder_lr_scale = c.get<double>("decoder_lr_scale");
  if (!(s.decoder_lr_scale > 0)) throw bad("decoder_lr_scale", "must be positive");
  s.weight_decay = c.get<double>("weight_decay");
  if (!(s.weight_decay >= 0)) throw bad("weight_decay", "must be >= 0");
  s.lr_milestones = c.get<std::vector<double>>("lr_milestones");
  for (double m : s.lr_milestones)
    if (!(m > 0 && m < 1)) throw bad("lr_milestones", "entries are fractions of the epochs, in (0, 1)");
  s.lr_gamma = c.get<double>("lr_gamma");
  if (!(s.lr_gamma > 0 && s.lr_gamma <= 1)) throw bad("lr_gamma", "must be in (0, 1]");
  s.interaction.iterations = c.get<int>("iterations");
  if (s.interaction.iterations < 1 || s.interaction.iterations > 50) throw bad("iterations", "must be in 1..50");
  s.interaction.accumulate_clicks = c.get<bool>("accumulate_clicks");
  s.random_flip = c.get<bool>("random_flip");
  s.val_clicks = c.get<std::vector<int>>("val_clicks");
  if (s.val_clicks.empty()) throw bad("val_clicks", "must not be empty");
  for (int k : s.val_clicks)
    if (k < 1 || k > 20) throw bad("val_clicks", "entries must be in 1..20");
  std::sort(s.val_clicks.begin(), s.val_clicks.end());
  s.cpcl.enabled = c.get<bool>("cpcl.enabled");
  s.cpcl.passes = c.get<int>("cpcl.passes");
  if (s.cpcl.passes < 1 || s.cpcl.passes > 20) throw bad("cpcl.passes", "must be in 1..20");
  s.cpcl.start_epoch = c.get<int>("cpcl.start_epoch");
  if (s.cpcl.start_epoch < 0) throw bad("cpcl.start_epoch", "must be >= 0");
  s.cpcl.min_agreement = c.get<double>("cpcl.min_agreement");
  if (!(s.cpcl.min_agreement >= 0 && s.cpcl.min_agreement <= 1)) throw bad("cpcl.min_agreement", "must be in [0, 1]");
  s.cpcl.noisy_label_weight = c.get<double>("cpcl.noisy_label_weight");
  if (!(s.cpcl.noisy_label_weight >= 0 && s.cpcl.noisy_label_weight <= 1))
    throw bad("cpcl.noisy_label_weight", "must be in [0, 1]");
  return s;
}

}  // namespace seganypet_train
