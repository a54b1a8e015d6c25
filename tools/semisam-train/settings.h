// semisam-train's settings as resolved from its config (defaults in default_config(), the one place a
// default is written; documented in README.md "Settings").
#pragma once

#include <array>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "labkit/core/config.h"
#include "labkit/nets3d/network.h"
#include "labkit/nets3d/sliding_window.h"

namespace labkit::semisam_train {

// The zeros below are no defaults, only initialised memory: from_config fills every member.
struct SemisamSettings {
  bool enabled = false;
  std::vector<std::string> generalists;  // SAM-Med3D-family safetensors checkpoints
  std::string prompt;                    // point | mask | unc
  int clicks = 0;                        // point/unc: clicks per sample (upstream 10)
  int ritm_clicks = 0;                   // the first clicks from the EDT sampler (upstream 2), then error-region clicks
  double weight = 0;                     // L_sam = weight * w_sam(t) * consistency (upstream 0.1)
  double rampdown = 0;                   // w_sam(t) = 0.1 * sigmoid_rampup((max_it - t) // rampup_step, rampdown)
  double threshold = 0;                  // specialist foreground probability > threshold is the "GT" for clicks
};

// DAN's discriminator and its optimiser (upstream: Adam lr 1e-4, betas (0.9, 0.99), 64 filters).
struct DanSettings {
  double lr = 0, beta1 = 0, beta2 = 0;
  int64_t filters = 0;
};

struct TrainSettings {
  nets3d::NetworkSpec network;
  std::string method;                // supervised | mt | uamt | dan
  std::array<int64_t, 3> patch{};    // training crop, tensor order
  int64_t max_iterations = 0;
  int batch_size = 0, labeled_bs = 0;
  int labeled_num = 0;               // the first labeled_num training cases are labeled
  int unlabeled_limit = 0;           // unlabeled indices range(labeled_num, limit); 0 = every case (upstream MT: 40)
  double base_lr = 0, momentum = 0, weight_decay = 0, poly_power = 0;
  double ema_decay = 0;
  double consistency = 0, consistency_rampup = 0;
  int rampup_step = 0;               // w(t) = consistency * sigmoid_rampup(t // rampup_step, consistency_rampup)
  double teacher_noise_std = 0, teacher_noise_clip = 0;
  int uamt_passes = 0;
  DanSettings dan;
  bool rot_flip = false;
  SemisamSettings semisam;
  bool upstream_quirks = false;      // reproduce the released SemiSAM+ behaviour (README "Upstream quirks")
  int64_t checkpoint_every = 0, validate_every = 0;
  nets3d::SlidingWindowSettings window;
  bool largest_component = false, spacing_aware = false;

  static TrainSettings from_config(const labkit::Config& c);
  static TrainSettings defaults();  // from default_config() (tests start from these)
};

nlohmann::json default_config();

}  // namespace labkit::semisam_train
