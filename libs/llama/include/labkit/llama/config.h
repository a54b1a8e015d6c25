// LLaMA-family model hyper-parameters, read from / written to Hugging Face config.json.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace labkit::llama {

struct Config {
  int64_t dim = 0;           // hidden_size
  int64_t hidden = 0;        // intermediate_size (SwiGLU width)
  int64_t n_layers = 0;      // num_hidden_layers
  int64_t n_heads = 0;       // num_attention_heads
  int64_t n_kv_heads = 0;    // num_key_value_heads (GQA when < n_heads)
  int64_t vocab = 0;         // vocab_size
  int64_t seq_len = 2048;    // max_position_embeddings
  int64_t head_dim = 0;      // dim / n_heads unless config.json says otherwise
  double rope_theta = 10000.0;
  double norm_eps = 1e-5;
  bool tied_embeddings = false;  // lm_head reuses model.embed_tokens.weight
  // Online Hadamard transforms a transformed (OSTQuant/QuaRot) model needs at run time; not HF fields,
  // stored in config.json under "labkit_online_hadamard" so the library reloads them.
  bool online_had_down = false;  // x·H on the down_proj input
  bool online_had_qk = false;    // H on queries and keys after RoPE

  int64_t q_dim() const { return n_heads * head_dim; }
  int64_t kv_dim() const { return n_kv_heads * head_dim; }
  // Throws InputError(source: ...) when the numbers are inconsistent (heads not dividing, etc.).
  void validate(const std::string& source) const;
};

Config config_from_hf_json(const nlohmann::json& j, const std::string& source);
Config read_hf_config(const std::string& path);  // config.json
nlohmann::json config_to_hf_json(const Config& c);

}  // namespace labkit::llama
