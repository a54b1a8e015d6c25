// Whole-volume evaluation of a specialist: sliding-window probabilities, argmax, optional largest
// connected component, and the per-case metrics (voxel units as upstream, or mm with spacing_aware).
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "dataset.h"
#include "labkit/nets3d/network.h"
#include "metrics.h"
#include "settings.h"

namespace labkit::semisam_train {

// (D, H, W) z-scored image -> (D, H, W) uint8 mask (class 1 wins the argmax), in eval mode, no grad.
torch::Tensor predict_mask(nets3d::SegNetwork& net, const torch::Tensor& image, const TrainSettings& s,
                           torch::Device device);

// Dice of two boolean masks of one shape, pooled over every voxel (1 when both are empty).
double binary_dice(const torch::Tensor& pred, const torch::Tensor& ref);

// Mean Dice, Jaccard, HD95, ASD over `cases` (all labeled) and the per-case values:
// {"dice", "jaccard", "hd95", "asd", "units": "voxel"|"mm", "cases": [{name, dice, ...}]}.
nlohmann::json evaluate_cases(nets3d::SegNetwork& net, const std::vector<Case>& cases, const TrainSettings& s,
                              torch::Device device);

}  // namespace labkit::semisam_train
