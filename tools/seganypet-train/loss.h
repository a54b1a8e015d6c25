// MONAI's DiceCELoss(sigmoid=True, squared_pred=True, reduction="mean") as upstream trains with, with an
// optional voxel weight map (0 = ignore the voxel) used by CPCL for label voxels it cannot trust.
// With weights all 1 it equals MONAI's value: per item and channel
//   dice = 1 - (2 sum(p g) + 1e-5) / (sum(p^2) + sum(g^2) + 1e-5),  p = sigmoid(logits),
// averaged, plus the mean binary cross-entropy with logits over all voxels.
#pragma once

#include <torch/torch.h>

namespace labkit::seganypet_train {

// logits, target: (B, 1, S, S, S); weight: undefined or the same shape (>= 0).
torch::Tensor dice_ce_loss(const torch::Tensor& logits, const torch::Tensor& target,
                           const torch::Tensor& weight = torch::Tensor());

}  // namespace labkit::seganypet_train
