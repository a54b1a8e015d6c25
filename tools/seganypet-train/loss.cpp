#include "loss.h"

namespace labkit::seganypet_train {

torch::Tensor dice_ce_loss(const torch::Tensor& logits, const torch::Tensor& target, const torch::Tensor& weight) {
  constexpr double kSmooth = 1e-5;  // MONAI smooth_nr = smooth_dr
  const auto w = weight.defined() ? weight : torch::ones_like(target);
  const auto p = torch::sigmoid(logits);
  const std::vector<int64_t> spatial{2, 3, 4};
  const auto inter = (w * p * target).sum(spatial);
  const auto denom = (w * p * p).sum(spatial) + (w * target * target).sum(spatial);
  const auto dice = 1.0 - (2.0 * inter + kSmooth) / (denom + kSmooth);
  // BCE with logits per voxel, averaged over the weighted voxels (all voxels when unweighted).
  const auto bce = torch::binary_cross_entropy_with_logits(logits, target, {}, {}, at::Reduction::None);
  const auto ce = (w * bce).sum() / w.sum().clamp_min(1.0);
  return dice.mean() + ce;
}

}  // namespace labkit::seganypet_train
