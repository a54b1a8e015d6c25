// The random parts of PUIR's data pipeline and of its self-supervised corruption, every draw from the
// given std::mt19937_64 (so a step seeded from (seed, step) repeats exactly):
//  - training crops (RandSpatialCropd), flips per axis (RandFlipd) and rot90 in the axial plane
//    (RandRotate90d), the same for every modality of a case;
//  - rot_rand: k * 90 degrees, k in 0..3 per sample, in the plane of tensor dims (2, 3) of a batch
//    (MONAI's dims (2, 3) of (B, C, H, W, D) are the same anatomical plane in our (B, C, z, y, x));
//  - aug_rand: random blocks (5 % to 25 % of each side) replaced by noise rescaled to [0, 1] until up to
//    U(0, 30 %) of the voxels are covered, then the same with blocks copied from another random sample
//    of the batch (MONAI SwinUNETR/Pretrain utils/ops.py).
#pragma once

#include <torch/torch.h>

#include <random>
#include <vector>

#include "case_volume.h"
#include "settings.h"

namespace labkit::puir_train {

// A (C, roi, roi, roi) training sample of a case.
torch::Tensor random_sample(const CaseVolume& c, int64_t modalities, int64_t roi, const AugmentSettings& a,
                            std::mt19937_64& rng);

// Rotates sample i of (B, C, D, H, W) by k[i] * 90 degrees in dims (2, 3).
torch::Tensor rotate_batch(const torch::Tensor& x, const std::vector<int64_t>& k);

// aug_rand over a batch (a new tensor; the input is untouched).
torch::Tensor drop_blocks(const torch::Tensor& x, const AugmentSettings& a, std::mt19937_64& rng);

}  // namespace labkit::puir_train
