// Simulated clicks (upstream get_next_click3D_torch_2, "random" mode): a uniformly random voxel of the
// error region (missed foreground or false positive); its label is the target's value there. With no
// error yet (e.g. before the first prediction) a random foreground voxel, positive; with an empty target
// and no false positive, a random voxel, negative. Seeded by the caller's generator.
#pragma once

#include <torch/torch.h>

#include <random>

namespace labkit::seganypet_train {

struct Clicks {
  torch::Tensor points;  // (B, 1, 3) float voxel coordinates in crop tensor order
  torch::Tensor labels;  // (B, 1) int64, 1 positive / 0 negative
};

// pred, target: (B, 1, S, S, S) bool or 0/1 float (pred may be undefined: no prediction yet).
Clicks next_clicks(const torch::Tensor& pred, const torch::Tensor& target, std::mt19937_64& rng);

}  // namespace labkit::seganypet_train
