// The tool's language model over labkit::llama without torch in the header (only lm.cpp compiles torch):
// training on token sequences with the loss on the completion only, checkpointed every few steps and
// resumed bit-exactly, and generation (greedy or sampled, k samples of one prompt batched).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace labkit::cognidual_train {

// Tokens of prompt + completion; the loss covers tokens[prompt_len..].
struct Sequence {
  std::vector<int64_t> tokens;
  int64_t prompt_len = 0;
};

struct TrainPlan {
  int64_t steps = 0, batch_size = 0, accumulation_steps = 0, warmup_steps = 0, checkpoint_every = 0;
  double lr = 0, min_lr_ratio = 0, weight_decay = 0, grad_clip = 0;
  bool bf16 = false;  // bfloat16 autocast forward, float32 masters
};

// LoRA fine-tuning: rank 0 trains every weight instead.
struct LoraPlan {
  int64_t rank = 0;
  double alpha = 16;
  std::vector<std::string> targets;  // q_proj k_proj v_proj o_proj gate_proj up_proj down_proj
};

using Curve = std::vector<std::pair<int64_t, double>>;  // (step, value)

struct Generation {
  std::vector<int64_t> tokens;  // new tokens, the stop token included when reached
  double ms = 0;                // wall time of this generation call
};

// Data parallel (c10d through labkit::distributed): joins the group of the launch environment
// (RANK/WORLD_SIZE/MASTER_* or srun's variables; world size 1 when none are set) once per process. Every
// later train() then splits each global batch by rows over the ranks and sums gradients, so all ranks
// hold the same model; each rank runs the rest of the pipeline itself and writes its own --out. Returns
// {rank, world_size, backend, source} for the report.
nlohmann::json join_data_parallel();

class LanguageModel {
 public:
  // A new model from the "model" config section ({dim, hidden, layers, heads, kv_heads, seq_len}).
  LanguageModel(const nlohmann::json& sizes, int64_t vocab, uint64_t seed);
  // load_model: an HF directory (what save() writes) or a llama2.c .bin such as stories260K.
  explicit LanguageModel(const std::string& path);
  LanguageModel(const LanguageModel& other);           // a deep copy of the weights
  ~LanguageModel();

  // The HF model; with LoRA adapters attached, the base with the adapters merged in.
  void save(const std::string& hf_dir) const;
  // Attaches fresh LoRA adapters (PEFT initialisation, seeded): train() then trains them only.
  void attach_lora(const LoraPlan& plan, uint64_t seed);
  // The attached adapters in PEFT's layout (adapter_model.safetensors + adapter_config.json).
  void save_lora(const std::string& dir) const;
  int64_t parameters() const;
  int64_t seq_len() const;
  int64_t vocab_size() const;

  // Trains for plan.steps optimizer steps on batches drawn (seeded) from `data`. Every checkpoint_every
  // steps, after the last one, and on SIGTERM, writes a checkpoint to `checkpoint_dir`; with `resume`,
  // continues from the one there (bit-exactly). On SIGTERM throws std::runtime_error after the
  // checkpoint. Returns the loss curve of every step (resumed runs included).
  Curve train(const std::vector<Sequence>& data, const TrainPlan& plan, uint64_t seed, const std::string& checkpoint_dir,
              bool resume, const std::string& label);

  // Greedy when temperature <= 0; `samples` rows of the same prompt generated together (one seed).
  std::vector<Generation> generate(const std::vector<int64_t>& prompt, int64_t max_new_tokens, double temperature,
                                   double top_p, int64_t samples, uint64_t seed, int64_t stop_token) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace labkit::cognidual_train
