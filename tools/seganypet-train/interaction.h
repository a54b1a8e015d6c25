// One training step's click loop for one model, as upstream's interaction(): the image embedding once,
// then `iterations` prompt -> predict rounds against the target. Each round clicks a random voxel of the
// current error region (only the latest click is given unless clicks accumulate, upstream multi_click),
// feeds the previous low-res logits back as the mask prompt (starting from zeros; gradients flow through
// the chain as upstream), and adds the loss of the upsampled logits. One random round in [2, it-3] and the
// last round get no points (mask prompt only), as upstream's random_insert and final round.
#pragma once

#include <torch/torch.h>

#include <functional>
#include <random>

#include "labkit/sammed3d/model.h"

namespace labkit::seganypet_train {

// Part of TrainSettings (settings.h, from the config); zeros are only initialised memory.
struct InteractionSettings {
  int iterations = 0;
  bool accumulate_clicks = false;
};

struct InteractionResult {
  torch::Tensor loss;          // summed over rounds (with grad)
  torch::Tensor final_logits;  // (B, 1, S, S, S) of the last round, detached
};

// loss_of(upsampled logits) -> scalar; clicks are drawn against click_target (B, 1, S, S, S).
InteractionResult run_interaction(labkit::sammed3d::Sam3DImpl& model, const torch::Tensor& embedding,
                                  const torch::Tensor& click_target,
                                  const std::function<torch::Tensor(const torch::Tensor&)>& loss_of,
                                  const InteractionSettings& settings, std::mt19937_64& rng);

// Validation / evaluation as inference does it: clicks accumulate, one round per click, no grad. Returns
// the Dice of (sigmoid > 0.5) against `target` after each click count in `at` (ascending), per item:
// (B, at.size()). NaN never occurs (targets are non-empty).
torch::Tensor click_dice(labkit::sammed3d::Sam3DImpl& model, const torch::Tensor& image, const torch::Tensor& target,
                         const std::vector<int>& at, std::mt19937_64& rng);

}  // namespace labkit::seganypet_train
