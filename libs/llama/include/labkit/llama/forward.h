// The LLaMA forward pass: RMSNorm, rotary embeddings (HF rotate_half layout), grouped-query attention,
// SwiGLU MLP, optional KV cache, and hook sites where a quantizer (or an observer) sees activations.
#pragma once

#include <torch/types.h>

#include <functional>
#include <vector>

#include "labkit/llama/model.h"

namespace labkit::llama {

// Activation sites, in the order they occur inside one decoder layer.
enum class Site {
  kAttnIn,  // input_layernorm output (input of q/k/v)
  kQ,       // queries after RoPE (and the online Hadamard)  [B, heads, T, head_dim]
  kK,       // keys after RoPE (and the online Hadamard)     [B, kv_heads, T, head_dim]
  kV,       // values                                         [B, kv_heads, T, head_dim]
  kOIn,     // o_proj input                                   [B, T, heads*head_dim]
  kMlpIn,   // post_attention_layernorm output (input of gate/up)
  kDownIn,  // down_proj input (after the online Hadamard)
};
const char* site_name(Site s);

struct ForwardHooks {
  // Returns the tensor to use in place of x (e.g. fake-quantized); may also just record x.
  std::function<torch::Tensor(const torch::Tensor& x, Site site, int64_t layer)> act;
  // Replaces the attention softmax (e.g. a block-floating-point one, or an observer that records score
  // rows): gets the scaled scores with masked positions set to -inf, [B, heads, T, total] in float32
  // (float64 for a float64 model), returns probabilities of the same shape. Unset: torch::softmax.
  std::function<torch::Tensor(const torch::Tensor& scores, int64_t layer)> softmax;
};

// Per-layer keys/values of the tokens seen so far, [B, kv_heads, T, head_dim] each.
struct KVCache {
  std::vector<torch::Tensor> k, v;
  int64_t pos = 0;  // number of cached positions
  void clear() { k.clear(); v.clear(); pos = 0; }
};

torch::Tensor rms_norm(const torch::Tensor& x, const torch::Tensor& weight, double eps);
// cos/sin tables [T, head_dim] (cat(freqs, freqs)) for positions start..start+T-1.
std::pair<torch::Tensor, torch::Tensor> rope_tables(int64_t head_dim, double theta, int64_t start, int64_t T,
                                                    torch::ScalarType dtype, torch::Device device);
// x [B, H, T, head_dim]: x·cos + rotate_half(x)·sin.
torch::Tensor apply_rope(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin);

// Decoder layer `l` on hidden states h [B, T, dim]: cos/sin from rope_tables for the T new positions,
// masked [T, total] true where a query may not see a key (causal, total = cached + T). With a cache the
// layer's keys/values are appended to cache->k[l]/v[l] (sized n_layers by the caller). forward() is this
// over every layer; tools that recompute layers one at a time (ostquant's layer-wise backward) call it.
torch::Tensor decoder_layer(const Model& model, int64_t l, const torch::Tensor& h, const torch::Tensor& cos,
                            const torch::Tensor& sin, const torch::Tensor& masked, KVCache* cache = nullptr,
                            const ForwardHooks* hooks = nullptr);

// tokens [B, T] int64 -> logits [B, T, vocab] in the model dtype. With a cache, tokens continue the
// cached sequence (positions cache->pos ...) and the cache is extended.
torch::Tensor forward(const Model& model, const torch::Tensor& tokens, KVCache* cache = nullptr,
                      const ForwardHooks* hooks = nullptr);

}  // namespace labkit::llama
