#include "labkit/llama/config.h"


#include "labkit/core/error.h"
#include "labkit/core/json_file.h"

namespace labkit::llama {

void Config::validate(const std::string& source) const {
  auto bad = [&](const std::string& what) { throw input_error(source, what); };
  if (dim <= 0 || hidden <= 0 || n_layers <= 0 || n_heads <= 0 || n_kv_heads <= 0 || vocab <= 0 || seq_len <= 0)
    bad("config has a non-positive size (dim, hidden, layers, heads, kv heads, vocab, seq_len)");
  if (n_heads % n_kv_heads != 0)
    bad("num_attention_heads " + std::to_string(n_heads) + " is not a multiple of num_key_value_heads " +
        std::to_string(n_kv_heads));
  if (head_dim <= 0 || head_dim % 2 != 0) bad("head_dim " + std::to_string(head_dim) + " must be positive and even (RoPE)");
  if (!(norm_eps > 0) || !(rope_theta > 0)) bad("rms_norm_eps and rope_theta must be positive");
}

Config config_from_hf_json(const nlohmann::json& j, const std::string& source) {
  auto need = [&](const char* key) -> const nlohmann::json& {
    if (!j.contains(key)) throw input_error(source, std::string("config.json lacks \"") + key + "\"");
    return j.at(key);
  };
  try {
    Config c;
    c.dim = need("hidden_size").get<int64_t>();
    c.hidden = need("intermediate_size").get<int64_t>();
    c.n_layers = need("num_hidden_layers").get<int64_t>();
    c.n_heads = need("num_attention_heads").get<int64_t>();
    c.n_kv_heads = j.value("num_key_value_heads", c.n_heads);
    c.vocab = need("vocab_size").get<int64_t>();
    c.seq_len = j.value("max_position_embeddings", int64_t{2048});
    c.head_dim = (j.contains("head_dim") && !j["head_dim"].is_null()) ? j["head_dim"].get<int64_t>()
                                                                       : (c.n_heads > 0 ? c.dim / c.n_heads : 0);
    c.rope_theta = j.value("rope_theta", 10000.0);
    c.norm_eps = j.value("rms_norm_eps", 1e-6);
    c.tied_embeddings = j.value("tie_word_embeddings", false);
    if (j.contains("rope_scaling") && !j["rope_scaling"].is_null())
      throw input_error(source, "rope_scaling is not supported (plain RoPE only)");
    if (j.value("attention_bias", false) || j.value("mlp_bias", false))
      throw input_error(source, "attention_bias / mlp_bias are not supported");
    if (j.contains("labkit_online_hadamard")) {
      c.online_had_down = j["labkit_online_hadamard"].value("down", false);
      c.online_had_qk = j["labkit_online_hadamard"].value("qk", false);
    }
    c.validate(source);
    return c;
  } catch (const nlohmann::json::exception& e) {
    throw input_error(source, std::string("config.json field of the wrong type: ") + e.what());
  }
}

Config read_hf_config(const std::string& path) {
  return config_from_hf_json(read_json_file(path, "config.json"), path);
}

nlohmann::json config_to_hf_json(const Config& c) {
  nlohmann::json j = {{"architectures", {"LlamaForCausalLM"}},
                      {"model_type", "llama"},
                      {"hidden_size", c.dim},
                      {"intermediate_size", c.hidden},
                      {"num_hidden_layers", c.n_layers},
                      {"num_attention_heads", c.n_heads},
                      {"num_key_value_heads", c.n_kv_heads},
                      {"head_dim", c.head_dim},
                      {"vocab_size", c.vocab},
                      {"max_position_embeddings", c.seq_len},
                      {"rope_theta", c.rope_theta},
                      {"rms_norm_eps", c.norm_eps},
                      {"tie_word_embeddings", c.tied_embeddings},
                      {"hidden_act", "silu"},
                      {"attention_bias", false},
                      {"mlp_bias", false},
                      {"rope_scaling", nullptr},
                      {"torch_dtype", "float32"}};
  if (c.online_had_down || c.online_had_qk)
    j["labkit_online_hadamard"] = {{"down", c.online_had_down}, {"qk", c.online_had_qk}};
  return j;
}

}  // namespace labkit::llama
