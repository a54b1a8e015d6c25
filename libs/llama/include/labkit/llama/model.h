// A LLaMA-family model as a Config plus its tensors under Hugging Face names. Keeping the weights as a
// name -> tensor map lets tools transform them (fuse norms, rotate, quantize) and run the same forward.
#pragma once

#include <torch/types.h>

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "labkit/llama/config.h"

namespace labkit::llama {

using TensorMap = std::map<std::string, torch::Tensor>;
struct LoraAdapters;  // lora.h

struct Model {
  Config config;
  TensorMap weights;          // HF names: model.embed_tokens.weight, model.layers.{i}.self_attn.q_proj.weight, ...
  torch::Tensor online_down;  // [hidden, hidden] orthogonal, used when config.online_had_down
  torch::Tensor online_qk;    // [head_dim, head_dim] orthogonal, used when config.online_had_qk
  // When set, the forward adds each adapter's low-rank term to its projection (unmerged LoRA); to() and
  // clone() share the adapters, merge_lora() folds them into the weights.
  std::shared_ptr<LoraAdapters> lora;

  const torch::Tensor& w(const std::string& name) const;            // throws std::out_of_range with the name
  const torch::Tensor& layer_w(int64_t layer, const std::string& suffix) const;
  const torch::Tensor& lm_head() const;                              // embed_tokens when tied
  // A copy with every tensor converted (floating tensors only) and moved.
  Model to(torch::ScalarType dtype, torch::Device device = torch::kCPU) const;
  Model clone() const;
};

// "model.layers.{i}.{suffix}"
std::string layer_key(int64_t layer, const std::string& suffix);
// Every tensor a model with this config must have, with its shape (lm_head omitted when tied).
std::vector<std::pair<std::string, std::vector<int64_t>>> expected_tensors(const Config& c);
// Throws InputError("<source>: ...") naming the first missing tensor or the first shape mismatch.
void check_weights(const Config& c, const TensorMap& weights, const std::string& source);

}  // namespace labkit::llama
