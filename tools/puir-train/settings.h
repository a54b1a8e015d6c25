// puir-train's settings as resolved from its config (defaults in default_config(), the one place a
// default is written; documented in README.md "Config").
#pragma once

#include <array>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "labkit/core/config.h"

namespace labkit::puir_train {

struct LossWeights {
  double rotation = 0, contrastive = 0, reconstruction = 0, anchor = 0;
};

struct AugmentSettings {
  double flip_p = 0, rot90_p = 0;         // data pipeline: RandFlipd per axis, RandRotate90d
  double drop_fraction = 0, drop_block = 0;  // aug_rand: noise blocks up to this fraction of voxels / of each side
};

struct EvalSettings {
  double overlap = 0;  // sliding-window overlap (upstream test 0.75)
  bool gaussian = false;
};

// The zeros below are no defaults, only initialised memory: from_config fills every member.
struct Settings {
  std::vector<std::string> modalities;  // manifest keys, in channel order
  std::string mode;                     // puir | baseline
  int64_t feature_size = 0, roi = 0, prior_heads = 0;
  int64_t epochs = 0;
  int batch_size = 0;                   // patients per step
  double lr = 0, weight_decay = 0, beta1 = 0, beta2 = 0, eps = 0;
  LossWeights weights;
  double foreground_weight = 0;         // 10 in 10 * masked MSE + MSE
  double foreground_threshold = 0;      // z >= -0.35 is foreground (loss mask, crop, background in eval)
  double temperature = 0;               // InfoNCE
  AugmentSettings augment;
  EvalSettings eval;
  bool upstream_quirks = false;         // batch 1 allowed with a contrastive weight (the term is then 0)
  int64_t checkpoint_every = 0;         // steps (batches of patients)

  bool puir() const { return mode == "puir"; }
  static Settings from_config(const labkit::Config& c);
  // Training refuses a total batch (batch_size x ranks) of 1 with a contrastive weight: no negatives.
  void check_total_batch(int world_size) const;
  static Settings defaults();
};

// The phantom generator's settings (config section "phantom").
struct PhantomSettings {
  std::array<int64_t, 3> size{};  // voxels x, y, z
  double spacing_mm = 0;
  double noise_percent = 0;       // Rician sigma as % of the reference tissue's signal
  double bias_strength = 0;       // bias-field polynomial coefficients ~ U(-b, b)
  double lesion_probability = 0;  // a patient has a tumour with this probability
  double pet_fwhm_mm = 0;         // PET point-spread function (0: none)
  double pet_counts_per_suv = 0;  // expected Poisson counts per voxel at SUV 1 (0: no noise)
  double ct_noise_hu = 0;         // CT Gaussian noise sigma

  static PhantomSettings from_config(const labkit::Config& c);
};

nlohmann::json default_config();

}  // namespace labkit::puir_train
