// A synthetic 3D segmentation task like the left atrium in LGE-MRI (upstream's LA set): a lobulated
// ellipsoidal chamber with four pulmonary-vein trunks that branch once, a bright unlabeled vessel beside
// it (aorta-like: what a specialist must learn not to segment), smooth tissue texture, a multiplicative
// MR bias field and Rician noise. The label is exact: the shape evaluated at each voxel centre. Seeded.
#pragma once

#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>

#include "labkit/core/config.h"
#include "labkit/imageio/image.h"

namespace labkit::semisam_train {

struct SynthSpec {
  std::array<int64_t, 3> size{};     // voxels, x y z (image order)
  std::array<double, 3> spacing{};   // mm
  double noise = 0;                  // Rician noise sigma (organ intensity is 1)
  double bias = 0;                   // bias field strength: exp(bias * smooth quadratic in [-1, 1])
  // Defaults (the config section "synth") and the checked settings built from the resolved config.
  static nlohmann::json defaults_json();
  static SynthSpec from_config(const labkit::Config& c);
};

struct SynthCase {
  imageio::Volume image;   // float intensities
  imageio::Volume label;   // 0/1
  int64_t label_voxels = 0;
};

SynthCase make_synthetic_case(const SynthSpec& spec, uint64_t seed);

}  // namespace labkit::semisam_train
