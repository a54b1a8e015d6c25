// Learning the transforms: rotations with Riemannian Adam on the Stiefel manifold, log-scales with Adam,
// against the KL-Top loss to the full-precision model, with fake quantization on; checkpoints + resume.
#pragma once

#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "data.h"
#include "quant.h"
#include "transforms.h"

namespace labkit::ostquant_calibrate {

// Σ_tokens Σ_{i ∈ top-k(teacher)} p_i (log p_i − log q_i) / tokens, p = softmax(teacher),
// q = softmax(student) over the full vocabulary (not renormalised), k = min(k, vocab).
torch::Tensor kl_top_loss(const torch::Tensor& teacher_logits, const torch::Tensor& student_logits, int64_t k);

// Built from the config by Settings::from_config (settings.h), where the defaults live; the zeros here
// are no defaults, only initialised memory.
struct TrainOptions {
  int64_t steps = 0;
  int64_t batch = 0;
  double rotate_lr = 0;   // reference "rotate" group
  double smooth_lr = 0;   // reference "smooth" group
  int64_t kl_top = 0;
  bool learn_rotations = true;
  bool learn_scales = true;
  // Start of the learned rotations: "hadamard" (random Hadamard, the reference's default and its W4A16
  // script), "klt" (klt.h; its W4A4KV4 script) or "auto" (klt when activations or KV are quantized).
  std::string init;
  bool train_wquant = false;                 // fake-quantize weights during training (W4A16 script)
  bool layerwise_backward = false;           // recompute layer by layer in the backward (layerwise.h)
  uint64_t seed = 0;
  std::string checkpoint;                    // file; empty = none
  int64_t checkpoint_every = 0;
  bool resume = false;                       // continue from `checkpoint` if it exists
  int64_t stop_after = -1;                   // stop (with a checkpoint) once this step is reached; -1 = run to the end
  std::string label;                         // names the run in progress lines and messages ("ost/W4A4KV4")
  // Asked after every step; when it returns true the loop writes its checkpoint (when it has one) and
  // throws Interrupted.
  std::function<bool()> should_stop;
};

// Training stopped on request (SIGTERM) after writing its checkpoint.
struct Interrupted : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct TrainLog {
  std::vector<double> loss;        // per step
  std::vector<double> ortho;       // max ‖RᵀR − I‖_F after each step
  double seconds = 0;
  int64_t resumed_from = 0;        // step the run continued from (0 = fresh)
};

// Trains `t` in place (its tensors become the learned values). `teacher` is the original model, `fused`
// its norm-folded copy (float32) on the same device.
TrainLog train_transforms(const labkit::llama::Model& teacher, const labkit::llama::Model& fused, Transforms& t,
                          const QuantSetting& setting, const std::vector<TokenStream>& calib, const TrainOptions& o);

// The training student's weights: every quantized linear through fake_quant_weight_sym (clip-searched RTN
// grid, gradient where a weight is on the grid) when w_bits < 16; lm_head and embedding stay in float.
labkit::llama::Model fake_quant_weights(const labkit::llama::Model& transformed, int w_bits, bool clip_search);

}  // namespace labkit::ostquant_calibrate
