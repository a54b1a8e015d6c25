#include "settings.h"

#include "labkit/core/settings.h"

namespace labkit::semisam_train {

// Upstream's SemiSAM_train_MT_3D.py defaults (reference semisam.md section 3) unless noted.
nlohmann::json default_config() {
  return {
      {"network", {{"arch", "unet_3D"}, {"width", 16}, {"dropout", true}}},
      {"method", "mt"},
      {"patch", {128, 128, 128}},
      {"max_iterations", 30000},
      {"batch_size", 2},
      {"labeled_bs", 1},
      {"labeled_num", 2},
      {"unlabeled_limit", 0},
      {"base_lr", 0.01},
      {"momentum", 0.9},
      {"weight_decay", 1e-4},
      {"poly_power", 0.9},
      {"ema_decay", 0.99},
      {"consistency", 0.1},
      {"consistency_rampup", 200.0},
      {"rampup_step", 150},
      {"teacher_noise", {{"std", 0.1}, {"clip", 0.2}}},
      {"uamt_passes", 8},
      {"dan", {{"lr", 1e-4}, {"betas", {0.9, 0.99}}, {"filters", 64}}},
      {"rot_flip", true},
      {"semisam",
       {{"enabled", false},
        {"generalists", nlohmann::json::array()},
        {"prompt", "unc"},
        {"clicks", 10},
        {"ritm_clicks", 2},
        {"weight", 0.1},
        {"rampdown", 200.0},
        {"threshold", 0.5}}},
      {"upstream_quirks", false},
      {"checkpoint_every", 3000},
      {"validate_every", 200},
      {"eval", {{"stride", {64, 64, 64}}, {"gaussian", false}, {"largest_component", false}, {"spacing_aware", false}}},
  };
}

TrainSettings TrainSettings::from_config(const labkit::Config& c) {
  TrainSettings s;
  s.network.arch = labkit::one_of(c, "network.arch", {"unet_3D", "vnet"});
  s.network.base_filters = labkit::int_in(c, "network.width", 1, 256);
  s.network.dropout = c.get<bool>("network.dropout");
  s.network.in_channels = 1;
  s.network.classes = 2;
  s.method = labkit::one_of(c, "method", {"supervised", "mt", "uamt", "dan"});
  const auto patch = labkit::ints_in(c, "patch", 16, 512, 3);
  if (patch.size() != 3) throw labkit::config_error("patch", "must list 3 sizes");
  for (int a = 0; a < 3; ++a) {
    if (patch[a] % 16 != 0) throw labkit::config_error("patch", "sizes must be multiples of 16 (four 2x poolings)");
    s.patch[a] = patch[a];
  }
  s.max_iterations = labkit::int_in(c, "max_iterations", 1, 10'000'000);
  s.batch_size = static_cast<int>(labkit::int_in(c, "batch_size", 1, 256));
  s.labeled_bs = static_cast<int>(labkit::int_in(c, "labeled_bs", 1, 256));
  if (s.labeled_bs > s.batch_size) throw labkit::config_error("labeled_bs", "must not exceed batch_size");
  if (s.method != "supervised" && s.labeled_bs == s.batch_size)
    throw labkit::config_error("labeled_bs", "must be below batch_size for a semi-supervised method (no unlabeled slot)");
  s.labeled_num = static_cast<int>(labkit::int_in(c, "labeled_num", 1, 100000));
  s.unlabeled_limit = static_cast<int>(labkit::int_in(c, "unlabeled_limit", 0, 1000000));
  s.base_lr = labkit::number_in(c, "base_lr", 1e-8, 10);
  s.momentum = labkit::number_in(c, "momentum", 0, 0.999);
  s.weight_decay = labkit::number_in(c, "weight_decay", 0, 1);
  s.poly_power = labkit::number_in(c, "poly_power", 0, 10);
  s.ema_decay = labkit::number_in(c, "ema_decay", 0, 1);
  s.consistency = labkit::number_in(c, "consistency", 0, 1000);
  s.consistency_rampup = labkit::number_in(c, "consistency_rampup", 1e-6, 1e9);
  s.rampup_step = static_cast<int>(labkit::int_in(c, "rampup_step", 1, 1000000));
  s.teacher_noise_std = labkit::number_in(c, "teacher_noise.std", 0, 10);
  s.teacher_noise_clip = labkit::number_in(c, "teacher_noise.clip", 0, 10);
  s.uamt_passes = static_cast<int>(labkit::int_in(c, "uamt_passes", 1, 64));
  s.dan.lr = labkit::number_in(c, "dan.lr", 1e-10, 10);
  const auto betas = labkit::numbers_in(c, "dan.betas", 0, 0.999999, 2);
  if (betas.size() != 2) throw labkit::config_error("dan.betas", "must list 2 numbers (Adam's beta1, beta2)");
  s.dan.beta1 = betas[0];
  s.dan.beta2 = betas[1];
  s.dan.filters = labkit::int_in(c, "dan.filters", 1, 1024);
  s.rot_flip = c.get<bool>("rot_flip");
  auto& g = s.semisam;
  g.enabled = c.get<bool>("semisam.enabled");
  for (const auto& p : c.at("semisam.generalists")) {
    if (!p.is_string() || p.get<std::string>().empty())
      throw labkit::config_error("semisam.generalists", "must be a list of checkpoint paths");
    g.generalists.push_back(p.get<std::string>());
  }
  g.prompt = labkit::one_of(c, "semisam.prompt", {"point", "mask", "unc"});
  g.clicks = static_cast<int>(labkit::int_in(c, "semisam.clicks", 1, 50));
  g.ritm_clicks = static_cast<int>(labkit::int_in(c, "semisam.ritm_clicks", 0, 50));
  g.weight = labkit::number_in(c, "semisam.weight", 0, 1000);
  g.rampdown = labkit::number_in(c, "semisam.rampdown", 1e-6, 1e9);
  g.threshold = labkit::number_in(c, "semisam.threshold", 0, 1);
  if (g.enabled && g.generalists.empty())
    throw labkit::config_error("semisam.generalists", "semisam.enabled needs at least one generalist checkpoint");
  if (g.enabled && s.method == "supervised")
    throw labkit::config_error("semisam.enabled", "the SemiSAM+ branch needs unlabeled data (method mt, uamt or dan)");
  s.upstream_quirks = c.get<bool>("upstream_quirks");
  s.checkpoint_every = labkit::int_in(c, "checkpoint_every", 1, 10'000'000);
  s.validate_every = labkit::int_in(c, "validate_every", 1, 10'000'000);
  const auto stride = labkit::ints_in(c, "eval.stride", 1, 512, 3);
  if (stride.size() != 3) throw labkit::config_error("eval.stride", "must list 3 strides");
  for (int a = 0; a < 3; ++a) {
    if (stride[a] > s.patch[a]) throw labkit::config_error("eval.stride", "a stride larger than the patch skips voxels");
    s.window.stride[a] = stride[a];
  }
  s.window.patch = s.patch;
  s.window.gaussian = c.get<bool>("eval.gaussian");
  s.largest_component = c.get<bool>("eval.largest_component");
  s.spacing_aware = c.get<bool>("eval.spacing_aware");
  return s;
}

TrainSettings TrainSettings::defaults() { return from_config(labkit::Config(default_config())); }

}  // namespace labkit::semisam_train
