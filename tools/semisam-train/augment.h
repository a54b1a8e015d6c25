// Training-time augmentation as upstream's dataloaders: RandomRotFlip (rot90 by k in {0..3} in the
// in-plane axes, then a flip along one of them) and RandomCrop (zero-pad every axis by
// (patch - size) // 2 + 3 when any axis is no larger than the patch, then a uniformly random crop).
// Tensors are (D, H, W) with D the slice axis, so upstream's in-plane axes 0, 1 are axes 1, 2 here.
#pragma once

#include <torch/torch.h>

#include <array>
#include <random>

namespace labkit::semisam_train {

struct Sample {
  torch::Tensor image;  // (D, H, W) float
  torch::Tensor label;  // (D, H, W) uint8 (undefined for unlabeled samples)
};

Sample random_rot_flip(const Sample& s, std::mt19937_64& rng);

// The padding upstream adds before cropping, per axis (0 where none).
std::array<int64_t, 3> crop_padding(const std::array<int64_t, 3>& size, const std::array<int64_t, 3>& patch);

Sample random_crop(const Sample& s, const std::array<int64_t, 3>& patch, std::mt19937_64& rng);

}  // namespace labkit::semisam_train
