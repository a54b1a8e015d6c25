// Training a LLaMA model (from scratch or fine-tuning all weights): seeded initialisation, next-token loss on
// masked targets (e.g. answer tokens only), AdamW with linear warm-up then cosine decay, gradient clipping
// and accumulation, and checkpoints (weights, optimizer moments, step, the caller's state) from which a run
// continues bit-exactly. The forward is forward.h's: the weights themselves are the autograd leaves.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "labkit/llama/forward.h"

namespace torch::optim {
class AdamW;
}
namespace labkit::distributed {
class ProcessGroup;
}

namespace labkit::llama {

// Weights drawn from N(0, 0.02) (o_proj and down_proj scaled by 1/sqrt(2 layers), as GPT-2), norms 1,
// from a generator seeded with `seed`: the same seed gives the same model on every machine.
Model init_model(const Config& config, uint64_t seed, torch::ScalarType dtype = torch::kFloat);

// tokens [B, T] int64; target_mask [B, T] (nonzero where token t is a target, predicted from tokens < t;
// column 0 is never one). Returns the summed cross-entropy over the targets (a scalar with grad) and how
// many targets there were.
std::pair<torch::Tensor, int64_t> masked_nll_sum(const Model& model, const torch::Tensor& tokens,
                                                 const torch::Tensor& target_mask);

struct OptimizerSettings {
  double lr = 0;            // peak learning rate
  double min_lr_ratio = 0;  // cosine decays to lr * min_lr_ratio at total_steps
  int64_t warmup_steps = 0; // linear from lr/warmup_steps to lr
  int64_t total_steps = 0;
  double weight_decay = 0;  // decoupled (AdamW), on matrices only (not norms)
  double beta1 = 0.9, beta2 = 0.95, eps = 1e-8;
  double grad_clip = 0;     // max global L2 norm; <= 0 never clips
  // Mixed precision: the forward pass under autocast to bfloat16 (matrix products in bf16, reductions and
  // the loss in float32), float32 master weights, gradients and optimizer state; no loss scaling (bf16
  // has float32's exponent range). Off: everything in float32.
  bool bf16_autocast = false;
};

// Learning rate of optimizer step `step` (0-based): warm-up, then cosine to min_lr_ratio * lr.
double learning_rate(const OptimizerSettings& s, int64_t step);

struct Batch {
  torch::Tensor tokens, target_mask;  // [B, T] each
};

struct StepResult {
  double loss = 0;       // mean cross-entropy per target over the accumulated micro-batches
  double grad_norm = 0;  // before clipping
  double lr = 0;
  int64_t targets = 0;
};

// Owns the optimizer of `model`'s weights (which it marks as requiring grad), or, when the model carries
// LoRA adapters (model.lora), of the adapters only, the base weights frozen. The model must outlive it.
class Trainer {
 public:
  Trainer(Model& model, const OptimizerSettings& settings);
  ~Trainer();
  Trainer(const Trainer&) = delete;
  Trainer& operator=(const Trainer&) = delete;

  // Data parallel (c10d): every rank holds a replica, rank 0's weights (or adapters) are broadcast now,
  // and each step() then takes this rank's share of the global batch; gradients, target counts and
  // losses are summed over ranks, so the step equals one process stepping on every share (up to float
  // summation order) and the replicas stay identical. The group must outlive the trainer.
  void set_process_group(distributed::ProcessGroup* group);

  // One optimizer step over `micro` (gradient accumulation): the loss is the mean over every target of
  // all micro-batches (of all ranks), so splitting a batch does not change the step beyond float rounding.
  StepResult step(const std::vector<Batch>& micro);
  int64_t steps_done() const { return step_; }
  const OptimizerSettings& settings() const { return s_; }

  // dir/model (save_hf, float32) or, with LoRA, dir/adapter (save_peft), dir/optimizer.pt,
  // dir/trainer.json {step, state}. `state` is the
  // caller's (data order RNG, history ...) and comes back from load(). Writes into `dir` (created); the
  // caller makes the folder the current checkpoint atomically (e.g. a pointer file written last).
  void save(const std::string& dir, const nlohmann::json& state) const;
  // Restores weights, optimizer moments and step; InputError naming the file on a missing or
  // mismatched part (another architecture, another parameter count).
  nlohmann::json load(const std::string& dir);

 private:
  Model& model_;
  OptimizerSettings s_;
  std::vector<torch::Tensor> params_;  // in weight-name order (the optimizer state's order)
  std::unique_ptr<torch::optim::AdamW> opt_;
  distributed::ProcessGroup* group_ = nullptr;
  int64_t step_ = 0;
};

}  // namespace labkit::llama
