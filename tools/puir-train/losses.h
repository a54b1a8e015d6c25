// PUIR's loss terms (reference puir.md section 2, trainer_bg.py).
#pragma once

#include <torch/torch.h>

namespace labkit::puir_train {

// w * sum((out - target)^2 * mask) / sum(mask) + mean((out - target)^2), mask = target >= threshold
// (foreground after z-scoring). An empty mask contributes 0 to the first term.
torch::Tensor reconstruction_loss(const torch::Tensor& out, const torch::Tensor& target, double foreground_weight,
                                  double threshold);

// InfoNCE with unnormalised dot products: CE(z1 z2^T / T, identity). Sample i's positive is view 2 of
// sample i, its negatives the other samples' view 2. With one sample the logits are 1 x 1 and the loss
// is exactly 0 (upstream at batch size 1). Data parallel: z1 holds this rank's rows, the first being row
// `first` of z2, which holds the whole batch's second views.
torch::Tensor contrastive_loss(const torch::Tensor& z1, const torch::Tensor& z2, double temperature, int64_t first = 0);

// The personalization loss MSE(X_h, anchor) with the anchor held fixed, and the anchor's update
// anchor <- (anchor + X_h) / 2 (X_h detached; the first visited modality's X_h starts it).
torch::Tensor anchor_loss(const torch::Tensor& x_h, const torch::Tensor& anchor);
torch::Tensor update_anchor(const torch::Tensor& anchor, const torch::Tensor& x_h);

}  // namespace labkit::puir_train
