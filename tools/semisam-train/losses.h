// Losses as upstream implements them (SSL4MIS utils/losses.py and the training scripts), on
// (B, 2, D, H, W) logits or probabilities.
#pragma once

#include <torch/torch.h>

namespace labkit::semisam_train {

// Class-averaged soft Dice with squared denominators: 1 - (2 sum(p y) + 1e-5) / (sum p^2 + sum y^2 + 1e-5)
// per class over the whole batch, averaged over classes. probs (B, C, ...), label (B, ...) integer.
torch::Tensor dice_loss(const torch::Tensor& probs, const torch::Tensor& label);

// 0.5 (CE(logits, label) + Dice(softmax(logits), label)).
torch::Tensor supervised_loss(const torch::Tensor& logits, const torch::Tensor& label);

// Mean Teacher: mean((softmax(student) - teacher_probs)^2).
torch::Tensor mt_consistency(const torch::Tensor& student_logits, const torch::Tensor& teacher_probs);

// UA-MT: sum(mask d) / (2 sum(mask) + 1e-16), d = (softmax(student) - teacher_probs)^2 per class,
// mask = (entropy < threshold) broadcast over classes. entropy (B, 1, ...).
torch::Tensor uamt_consistency(const torch::Tensor& student_logits, const torch::Tensor& teacher_probs,
                               const torch::Tensor& entropy, double threshold);

// DAN (SSL4MIS train_adversarial_network_3D.py): the discriminator's logits (B, 2) say "labeled" (class 1)
// or "unlabeled" (class 0). The specialist is pushed to make its unlabeled maps look labeled:
// generator = CE(d_unlabeled, 1) averaged over the unlabeled samples. The discriminator learns the truth on
// the whole batch, the first labeled_bs samples labeled: CE(d, [1]*labeled_bs + [0]*rest).
torch::Tensor dan_generator_loss(const torch::Tensor& d_logits_unlabeled);
torch::Tensor dan_discriminator_loss(const torch::Tensor& d_logits, int64_t labeled_bs);

// Predictive entropy -sum p log(p + 1e-6) over classes of the mean of `probs` (T, B, C, ...) over T.
torch::Tensor predictive_entropy(const torch::Tensor& probs);

}  // namespace labkit::semisam_train
