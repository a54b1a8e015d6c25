// Objects larger than one crop: when a crop's mask reaches a crop face that is not outside the image,
// a neighbouring crop shifted by half a crop along that axis (50 % overlap, as upstream's experimental
// sliding window) is segmented too, prompted by the target's clicks inside it, the previous crop's
// low-res logits shifted into place as the mask prompt, and, when no positive click lies inside, the
// previous mask voxel nearest the new crop's centre as a positive click. Repeats up to max_crops.
#pragma once

#include <vector>

#include "labkit/core/timer.h"
#include "labkit/imageio/image.h"
#include "labkit/sammed3d/model.h"
#include "prompts.h"
#include "labkit/petseg/volume_space.h"

namespace labkit::seganypet_infer {

// The model's view of an image (libs/petseg).
using labkit::petseg::Crop;
using labkit::petseg::Index3;
using labkit::petseg::ModelSpace;

struct TargetResult {
  labkit::imageio::Volume mask;  // 0/1 on the original grid: union over crops
  int crops = 0;
  int clicks = 0;         // the target's clicks used in the first crop
  int decoder_calls = 0;  // over all crops
  Index3 first_crop_start{};
};

TargetResult segment_target(labkit::sammed3d::Sam3DImpl& model, const ModelSpace& m, const Target& t, int max_crops,
                            labkit::Timings& timings);

}  // namespace labkit::seganypet_infer
