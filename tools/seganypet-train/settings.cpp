#include "settings.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "labkit/core/error.h"

namespace labkit::seganypet_train {

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

namespace {

labkit::InputError bad(const std::string& key, const std::string& why) {
  return labkit::InputError("config " + key + ": " + why);
}

// A finite number in [lo, hi] (or (lo, hi] with lo_open).
double real_in(const labkit::Config& c, const std::string& key, double lo, double hi, bool lo_open = false) {
  const double x = c.get<double>(key);
  if (!(std::isfinite(x) && (lo_open ? x > lo : x >= lo) && x <= hi))
    throw bad(key, fmt::format("must be a finite number in {}{:g}, {:g}], got {}", lo_open ? "(" : "[", lo, hi,
                               c.at(key).dump()));
  return x;
}

// An integer in [lo, hi] (no wrap-around: -1 is never read as a huge unsigned value).
int64_t int_in(const labkit::Config& c, const std::string& key, int64_t lo, int64_t hi) {
  const auto& v = c.at(key);
  const bool ok = v.is_number_integer() && !(v.is_number_unsigned() && v.get<uint64_t>() > uint64_t(hi)) &&
                  v.get<int64_t>() >= lo && v.get<int64_t>() <= hi;
  if (!ok) throw bad(key, fmt::format("must be an integer in [{}, {}], got {}", lo, hi, v.dump()));
  return v.get<int64_t>();
}

}  // namespace

TrainSettings TrainSettings::from_config(const labkit::Config& c) {
  TrainSettings s;
  s.model = c.get<std::string>("model");
  s.init_checkpoint = c.get<std::string>("init_checkpoint");
  s.data.crop_size = 0;  // the model's input size, set once the model is known
  s.data.spacing_mm = real_in(c, "spacing_mm", 0.1, 20);
  s.data.min_target_voxels = int_in(c, "min_target_voxels", 1, int64_t{1} << 30);
  s.epochs = static_cast<int>(int_in(c, "epochs", 1, 100000));
  s.batch_size = static_cast<int>(int_in(c, "batch_size", 1, 4096));
  s.accumulation_steps = static_cast<int>(int_in(c, "accumulation_steps", 1, 4096));
  s.lr = real_in(c, "lr", 0, 1, true);
  s.decoder_lr_scale = real_in(c, "decoder_lr_scale", 0, 100, true);
  s.weight_decay = real_in(c, "weight_decay", 0, 10);
  const auto& ms = c.at("lr_milestones");
  for (const auto& m : ms) {
    if (!m.is_number() || !(m.get<double>() > 0 && m.get<double>() < 1))
      throw bad("lr_milestones", "entries are fractions of the epochs, in (0, 1), got " + ms.dump());
    s.lr_milestones.push_back(m.get<double>());
  }
  s.lr_gamma = real_in(c, "lr_gamma", 0, 1, true);
  s.interaction.iterations = static_cast<int>(int_in(c, "iterations", 1, 50));
  s.interaction.accumulate_clicks = c.get<bool>("accumulate_clicks");
  s.random_flip = c.get<bool>("random_flip");
  const auto& vc = c.at("val_clicks");
  if (!vc.is_array() || vc.empty()) throw bad("val_clicks", "must be a non-empty list of click counts");
  for (const auto& k : vc) {
    if (!k.is_number_integer() || k.get<int64_t>() < 1 || k.get<int64_t>() > 20)
      throw bad("val_clicks", "entries must be integers in 1..20, got " + vc.dump());
    s.val_clicks.push_back(k.get<int>());
  }
  std::sort(s.val_clicks.begin(), s.val_clicks.end());
  s.val_clicks.erase(std::unique(s.val_clicks.begin(), s.val_clicks.end()), s.val_clicks.end());
  s.cpcl.enabled = c.get<bool>("cpcl.enabled");
  s.cpcl.passes = static_cast<int>(int_in(c, "cpcl.passes", 1, 20));
  s.cpcl.start_epoch = static_cast<int>(int_in(c, "cpcl.start_epoch", 0, 100000));
  s.cpcl.min_agreement = real_in(c, "cpcl.min_agreement", 0, 1);
  s.cpcl.noisy_label_weight = real_in(c, "cpcl.noisy_label_weight", 0, 1);
  return s;
}

TrainSettings TrainSettings::defaults() { return from_config(labkit::Config(default_config())); }

}  // namespace labkit::seganypet_train
