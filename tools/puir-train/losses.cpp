#include "losses.h"

namespace labkit::puir_train {

torch::Tensor reconstruction_loss(const torch::Tensor& out, const torch::Tensor& target, double w, double threshold) {
  const auto err = (out - target).pow(2);
  const auto mask = (target >= threshold).to(out.scalar_type());
  return w * (err * mask).sum() / mask.sum().clamp_min(1.0) + err.mean();
}

torch::Tensor contrastive_loss(const torch::Tensor& z1, const torch::Tensor& z2, double temperature, int64_t first) {
  const auto logits = torch::matmul(z1, z2.t()) / temperature;
  const auto labels =
      torch::arange(first, first + z1.size(0), torch::TensorOptions().dtype(torch::kLong).device(z1.device()));
  return torch::nn::functional::cross_entropy(logits, labels);
}

torch::Tensor anchor_loss(const torch::Tensor& x_h, const torch::Tensor& anchor) {
  return torch::mse_loss(x_h, anchor.detach());
}

torch::Tensor update_anchor(const torch::Tensor& anchor, const torch::Tensor& x_h) {
  if (!anchor.defined()) return x_h.detach().clone();
  return (anchor + x_h.detach()) / 2;
}

}  // namespace labkit::puir_train
