#include "settings.h"

#include <set>

#include "labkit/core/settings.h"

namespace labkit::puir_train {

// Upstream's train_bg.sh / main_bg.py values (reference puir.md section 2) unless noted.
nlohmann::json default_config() {
  return {
      {"modalities", {"t1n", "t1c", "t2w", "t2f"}},
      {"mode", "puir"},
      {"network", {{"feature_size", 48}, {"roi", 96}, {"prior_heads", 3}}},
      {"epochs", 2000},
      {"batch_size", 2},  // upstream 1: its contrastive term is then identically 0 (README "Fixes")
      {"optimizer", {{"lr", 2e-4}, {"weight_decay", 1e-5}, {"betas", {0.9, 0.999}}, {"eps", 1e-8}}},
      {"loss",
       {{"rotation", 1.0},
        {"contrastive", 1.0},
        {"reconstruction", 1.0},
        {"anchor", 1.0},
        {"foreground_weight", 10.0},
        {"foreground_threshold", -0.35},
        {"temperature", 0.1}}},
      {"augment", {{"flip_p", 0.2}, {"rot90_p", 0.2}, {"drop_fraction", 0.3}, {"drop_block", 0.25}}},
      {"eval", {{"overlap", 0.75}, {"gaussian", true}}},
      {"upstream_quirks", false},
      {"checkpoint_every", 50},
      {"phantom",
       {{"size", {80, 80, 80}}, {"spacing_mm", 2.0}, {"noise_percent", 3.0}, {"bias_strength", 0.15},
        {"lesion_probability", 0.8},
        // modalities "pet" and "ct" (heterogeneous pairs): scanner PSF, counts at SUV 1, CT noise
        {"pet_fwhm_mm", 5.0}, {"pet_counts_per_suv", 20.0}, {"ct_noise_hu", 10.0}}},
  };
}

Settings Settings::from_config(const labkit::Config& c) {
  Settings s;
  std::set<std::string> seen;
  for (const auto& m : c.at("modalities")) {
    if (!m.is_string() || m.get<std::string>().empty() || !seen.insert(m.get<std::string>()).second)
      throw labkit::config_error("modalities", "must be a list of distinct non-empty manifest keys");
    s.modalities.push_back(m.get<std::string>());
  }
  if (s.modalities.empty() || s.modalities.size() > 16) throw labkit::config_error("modalities", "must list 1 to 16 keys");
  s.mode = labkit::one_of(c, "mode", {"puir", "baseline"});
  s.feature_size = labkit::int_in(c, "network.feature_size", 12, 192);
  if (s.feature_size % 12) throw labkit::config_error("network.feature_size", "must be a multiple of 12");
  s.roi = labkit::int_in(c, "network.roi", 32, 256);
  if (s.roi % 32) throw labkit::config_error("network.roi", "must be a multiple of 32 (five 2x reductions)");
  s.prior_heads = labkit::int_in(c, "network.prior_heads", 1, 64);
  const int64_t edge = s.roi / 32;
  if ((edge * edge * edge) % s.prior_heads)
    throw labkit::config_error("network.prior_heads", "must divide the prior's embedding size (roi/32)^3 = " +
                                                          std::to_string(edge * edge * edge));
  s.epochs = labkit::int_in(c, "epochs", 1, 1'000'000);
  s.batch_size = static_cast<int>(labkit::int_in(c, "batch_size", 1, 64));
  s.lr = labkit::number_in(c, "optimizer.lr", 1e-9, 1);
  s.weight_decay = labkit::number_in(c, "optimizer.weight_decay", 0, 1);
  const auto betas = labkit::numbers_in(c, "optimizer.betas", 0, 0.999999, 2);
  if (betas.size() != 2) throw labkit::config_error("optimizer.betas", "must list 2 numbers");
  s.beta1 = betas[0], s.beta2 = betas[1];
  s.eps = labkit::number_in(c, "optimizer.eps", 1e-12, 1);
  s.weights.rotation = labkit::number_in(c, "loss.rotation", 0, 1000);
  s.weights.contrastive = labkit::number_in(c, "loss.contrastive", 0, 1000);
  s.weights.reconstruction = labkit::number_in(c, "loss.reconstruction", 0, 1000);
  s.weights.anchor = labkit::number_in(c, "loss.anchor", 0, 1000);
  s.foreground_weight = labkit::number_in(c, "loss.foreground_weight", 0, 1000);
  s.foreground_threshold = labkit::number_in(c, "loss.foreground_threshold", -100, 100);
  s.temperature = labkit::number_in(c, "loss.temperature", 1e-4, 100);
  s.augment.flip_p = labkit::number_in(c, "augment.flip_p", 0, 1);
  s.augment.rot90_p = labkit::number_in(c, "augment.rot90_p", 0, 1);
  s.augment.drop_fraction = labkit::number_in(c, "augment.drop_fraction", 0, 0.9);
  s.augment.drop_block = labkit::number_in(c, "augment.drop_block", 0.01, 1);
  s.eval.overlap = labkit::number_in(c, "eval.overlap", 0, 0.95);
  s.eval.gaussian = c.get<bool>("eval.gaussian");
  s.upstream_quirks = c.get<bool>("upstream_quirks");
  s.checkpoint_every = labkit::int_in(c, "checkpoint_every", 1, 10'000'000);
  return s;
}

void Settings::check_total_batch(int world_size) const {
  if (static_cast<int64_t>(batch_size) * world_size == 1 && puir() && weights.contrastive > 0 && !upstream_quirks)
    throw labkit::config_error("batch_size", "1 makes the contrastive term identically 0 (no negatives); use 2 or more, "
                                             "set loss.contrastive=0, or upstream_quirks=true to train as released");
}

Settings Settings::defaults() { return from_config(labkit::Config(default_config())); }

PhantomSettings PhantomSettings::from_config(const labkit::Config& c) {
  PhantomSettings p;
  const auto size = labkit::ints_in(c, "phantom.size", 16, 512, 3);
  if (size.size() != 3) throw labkit::config_error("phantom.size", "must list 3 sizes");
  for (int a = 0; a < 3; ++a) p.size[a] = size[a];
  p.spacing_mm = labkit::number_in(c, "phantom.spacing_mm", 0.1, 20);
  p.noise_percent = labkit::number_in(c, "phantom.noise_percent", 0, 100);
  p.bias_strength = labkit::number_in(c, "phantom.bias_strength", 0, 2);
  p.lesion_probability = labkit::number_in(c, "phantom.lesion_probability", 0, 1);
  p.pet_fwhm_mm = labkit::number_in(c, "phantom.pet_fwhm_mm", 0, 50);
  p.pet_counts_per_suv = labkit::number_in(c, "phantom.pet_counts_per_suv", 0, 1e6);
  p.ct_noise_hu = labkit::number_in(c, "phantom.ct_noise_hu", 0, 1000);
  return p;
}

}  // namespace labkit::puir_train
