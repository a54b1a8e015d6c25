// The KL-Top loss and its gradient for one calibration batch, two ways: through one autograd graph of the
// whole forward, or layer by layer with recomputation (activation checkpointing by hand, since LibTorch C++
// has no torch.utils.checkpoint), which keeps one decoder layer's activations at a time plus each layer's
// input hidden state [B, T, dim]. Both put the same gradients into the tensors the student was built from.
#pragma once

#include <torch/types.h>

#include "labkit/llama/forward.h"
#include "labkit/llama/model.h"

namespace labkit::ostquant_calibrate {

// KL-Top of `student` on tokens [B, T] against the teacher's logits `target`; backpropagates it (adds to
// .grad of whatever requires grad upstream of the student's tensors) and returns the loss.
double kl_top_backward_full(const labkit::llama::Model& student, const torch::Tensor& tokens,
                            const torch::Tensor& target, int64_t k, const labkit::llama::ForwardHooks* hooks);
double kl_top_backward_layerwise(const labkit::llama::Model& student, const torch::Tensor& tokens,
                                 const torch::Tensor& target, int64_t k, const labkit::llama::ForwardHooks* hooks);

}  // namespace labkit::ostquant_calibrate
