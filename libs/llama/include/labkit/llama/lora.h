// LoRA adapters on a LLaMA model's linear projections: W x + (alpha / r) · B (A x), with A [r, in] and
// B [out, r] per adapted weight, saved and loaded in PEFT's layout so PEFT users load them unchanged:
// DIR/adapter_model.safetensors with keys "base_model.model.<HF module>.lora_A.weight" / "lora_B.weight"
// and DIR/adapter_config.json ({"peft_type": "LORA", "r", "lora_alpha", "target_modules", ...}).
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "labkit/llama/model.h"

namespace labkit::llama {

struct LoraConfig {
  int64_t rank = 8;
  double alpha = 16;
  // Module names as PEFT's target_modules: q_proj k_proj v_proj o_proj gate_proj up_proj down_proj.
  std::vector<std::string> targets{"q_proj", "v_proj"};
  double scale() const { return alpha / static_cast<double>(rank); }
  // InputError naming `source` for rank < 1, alpha <= 0, no target or an unknown module name.
  void validate(const std::string& source) const;
};

struct LoraAdapters {
  LoraConfig config;
  // Keyed by the HF weight they adapt ("model.layers.3.self_attn.q_proj.weight"): (A [r, in], B [out, r]).
  std::map<std::string, std::pair<torch::Tensor, torch::Tensor>> ab;
  // The low-rank term (alpha / r) · B (A x) for weight `name`, or an undefined tensor when not adapted.
  torch::Tensor delta(const std::string& name, const torch::Tensor& x) const;
};

// PEFT's initialisation: A uniform in ±1/sqrt(in) (kaiming_uniform with a = sqrt(5)), B zero, so the
// adapted model starts equal to the base. Seeded: the same seed gives the same adapters everywhere.
LoraAdapters init_lora(const Model& base, const LoraConfig& config, uint64_t seed);

// The base model with W + (alpha / r) · B A in place of each adapted weight, and no adapters attached.
Model merge_lora(const Model& base, const LoraAdapters& adapters);

// Writes DIR/adapter_model.safetensors (float32) and DIR/adapter_config.json; `base_model` is recorded
// as base_model_name_or_path.
void save_peft(const LoraAdapters& adapters, const std::string& dir, const std::string& base_model);
// Reads a PEFT LoRA adapter for a model of `base`'s architecture. InputError naming the file for another
// adapter type, a key that is not a LoRA weight of this architecture (e.g. a layer it does not have), a
// shape that does not fit, an A without its B, or a rank different from adapter_config.json's r.
LoraAdapters load_peft(const std::string& dir, const Config& base);

}  // namespace labkit::llama
