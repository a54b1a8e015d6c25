#include "labkit/llama/model.h"

#include <sstream>
#include <stdexcept>

#include "labkit/core/error.h"

namespace labkit::llama {

std::string layer_key(int64_t layer, const std::string& suffix) {
  return "model.layers." + std::to_string(layer) + "." + suffix;
}

const torch::Tensor& Model::w(const std::string& name) const {
  auto it = weights.find(name);
  if (it == weights.end()) throw std::out_of_range("llama model has no tensor " + name);
  return it->second;
}

const torch::Tensor& Model::layer_w(int64_t layer, const std::string& suffix) const {
  return w(layer_key(layer, suffix));
}

const torch::Tensor& Model::lm_head() const {
  return config.tied_embeddings ? w("model.embed_tokens.weight") : w("lm_head.weight");
}

Model Model::to(torch::ScalarType dtype, torch::Device device) const {
  Model m;
  m.config = config;
  auto conv = [&](const torch::Tensor& t) {
    return t.is_floating_point() ? t.to(device, dtype) : t.to(device);
  };
  for (const auto& [k, t] : weights) m.weights[k] = conv(t);
  if (online_down.defined()) m.online_down = conv(online_down);
  if (online_qk.defined()) m.online_qk = conv(online_qk);
  m.lora = lora;
  return m;
}

Model Model::clone() const {
  Model m;
  m.config = config;
  for (const auto& [k, t] : weights) m.weights[k] = t.clone();
  if (online_down.defined()) m.online_down = online_down.clone();
  if (online_qk.defined()) m.online_qk = online_qk.clone();
  m.lora = lora;
  return m;
}

std::vector<std::pair<std::string, std::vector<int64_t>>> expected_tensors(const Config& c) {
  std::vector<std::pair<std::string, std::vector<int64_t>>> out;
  out.push_back({"model.embed_tokens.weight", {c.vocab, c.dim}});
  for (int64_t i = 0; i < c.n_layers; ++i) {
    out.push_back({layer_key(i, "input_layernorm.weight"), {c.dim}});
    out.push_back({layer_key(i, "self_attn.q_proj.weight"), {c.q_dim(), c.dim}});
    out.push_back({layer_key(i, "self_attn.k_proj.weight"), {c.kv_dim(), c.dim}});
    out.push_back({layer_key(i, "self_attn.v_proj.weight"), {c.kv_dim(), c.dim}});
    out.push_back({layer_key(i, "self_attn.o_proj.weight"), {c.dim, c.q_dim()}});
    out.push_back({layer_key(i, "post_attention_layernorm.weight"), {c.dim}});
    out.push_back({layer_key(i, "mlp.gate_proj.weight"), {c.hidden, c.dim}});
    out.push_back({layer_key(i, "mlp.up_proj.weight"), {c.hidden, c.dim}});
    out.push_back({layer_key(i, "mlp.down_proj.weight"), {c.dim, c.hidden}});
  }
  out.push_back({"model.norm.weight", {c.dim}});
  if (!c.tied_embeddings) out.push_back({"lm_head.weight", {c.vocab, c.dim}});
  return out;
}

static std::string shape_str(c10::IntArrayRef s) {
  std::ostringstream o;
  o << "[";
  for (size_t i = 0; i < s.size(); ++i) o << (i ? ", " : "") << s[i];
  o << "]";
  return o.str();
}

void check_weights(const Config& c, const TensorMap& weights, const std::string& source) {
  for (const auto& [name, shape] : expected_tensors(c)) {
    auto it = weights.find(name);
    if (it == weights.end()) throw input_error(source, "missing tensor \"" + name + "\"");
    if (it->second.sizes() != c10::IntArrayRef(shape))
      throw input_error(source, "tensor \"" + name + "\" has shape " + shape_str(it->second.sizes()) +
                                    " but config.json implies " + shape_str(shape));
  }
}

}  // namespace labkit::llama
