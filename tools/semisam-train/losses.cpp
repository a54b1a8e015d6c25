#include "losses.h"

namespace labkit::semisam_train {

torch::Tensor dice_loss(const torch::Tensor& probs, const torch::Tensor& label) {
  const int64_t classes = probs.size(1);
  auto loss = torch::zeros({}, probs.options());
  for (int64_t c = 0; c < classes; ++c) {
    auto p = probs.select(1, c);
    auto y = (label == c).to(probs.scalar_type());
    auto dice = (2 * (p * y).sum() + 1e-5) / ((p * p).sum() + (y * y).sum() + 1e-5);
    loss = loss + (1 - dice);
  }
  return loss / double(classes);
}

torch::Tensor supervised_loss(const torch::Tensor& logits, const torch::Tensor& label) {
  const auto target = label.to(torch::kLong);
  auto ce = torch::nn::functional::cross_entropy(logits, target);
  return 0.5 * (ce + dice_loss(torch::softmax(logits, 1), target));
}

torch::Tensor mt_consistency(const torch::Tensor& student_logits, const torch::Tensor& teacher_probs) {
  return (torch::softmax(student_logits, 1) - teacher_probs).pow(2).mean();
}

torch::Tensor uamt_consistency(const torch::Tensor& student_logits, const torch::Tensor& teacher_probs,
                               const torch::Tensor& entropy, double threshold) {
  auto d = (torch::softmax(student_logits, 1) - teacher_probs).pow(2);
  auto mask = (entropy < threshold).to(d.scalar_type());
  return (mask * d).sum() / (2 * mask.sum() + 1e-16);
}

torch::Tensor dan_generator_loss(const torch::Tensor& d_logits_unlabeled) {
  const auto labeled = torch::ones({d_logits_unlabeled.size(0)}, d_logits_unlabeled.options().dtype(torch::kLong));
  return torch::nn::functional::cross_entropy(d_logits_unlabeled, labeled);
}

torch::Tensor dan_discriminator_loss(const torch::Tensor& d_logits, int64_t labeled_bs) {
  auto truth = torch::zeros({d_logits.size(0)}, d_logits.options().dtype(torch::kLong));
  truth.narrow(0, 0, labeled_bs).fill_(1);
  return torch::nn::functional::cross_entropy(d_logits, truth);
}

torch::Tensor predictive_entropy(const torch::Tensor& probs) {
  auto mean = probs.mean(0);
  return -(mean * torch::log(mean + 1e-6)).sum(1, true);
}

}  // namespace labkit::semisam_train
