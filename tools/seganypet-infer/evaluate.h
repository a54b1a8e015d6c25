// Evaluation with a ground-truth label map: per label, upstream's "random" click simulation (a uniform
// voxel of the current error region, positive if it is a missed foreground voxel; the first click is a
// random foreground voxel), the crop placed on the label's bounding box as upstream, and Dice in the
// original grid after given numbers of clicks, with the normalized surface Dice (surface_dice.h).
#pragma once

#include <map>
#include <random>
#include <vector>

#include "labkit/core/timer.h"
#include "labkit/imageio/image.h"
#include "labkit/sammed3d/model.h"
#include "labkit/petseg/volume_space.h"

namespace labkit::seganypet_infer {

// The model's view of an image (libs/petseg).
using labkit::petseg::Crop;
using labkit::petseg::Index3;
using labkit::petseg::ModelSpace;

struct TargetEval {
  int label = 0;
  int64_t gt_voxels = 0;
  std::map<int, double> dice;  // clicks -> Dice (NaN when prediction and ground truth are both empty)
  std::map<int, double> nsd;   // clicks -> normalized surface Dice at the tolerance (same NaN/0 rules)
  labkit::imageio::Volume final_mask;  // 0/1 in the original grid after the last click
};

// Dice of (pred > 0.5) against (gt == label) on the same grid; NaN when both are empty.
double dice(const labkit::imageio::Volume& pred, const labkit::imageio::Volume& gt, int label);

// The nonzero values of a label map, ascending.
std::vector<int> labels_of(const labkit::imageio::Volume& gt);

TargetEval evaluate_target(labkit::sammed3d::Sam3DImpl& model, const ModelSpace& image, const ModelSpace& gt_model,
                           const labkit::imageio::Volume& gt, int label, const std::vector<int>& click_counts,
                           double nsd_tolerance_mm, std::mt19937_64& rng, labkit::Timings& timings);

}  // namespace labkit::seganypet_infer
