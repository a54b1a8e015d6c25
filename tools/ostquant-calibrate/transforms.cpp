#include "transforms.h"

#include <torch/torch.h>

namespace labkit::ostquant_calibrate {

using labkit::llama::layer_key;

Model fuse_norms(const Model& model) {
  torch::NoGradGuard ng;
  Model m = model.to(torch::kDouble);
  auto& W = m.weights;
  const auto& c = m.config;
  auto fold = [&](const std::string& norm, std::initializer_list<std::string> linears) {
    auto g = W.at(norm);
    for (const auto& l : linears) W[l] = W.at(l) * g.unsqueeze(0);
    W[norm] = torch::ones_like(g);
  };
  if (c.tied_embeddings) W["lm_head.weight"] = W.at("model.embed_tokens.weight").clone();
  m.config.tied_embeddings = false;
  for (int64_t l = 0; l < c.n_layers; ++l) {
    fold(layer_key(l, "input_layernorm.weight"),
         {layer_key(l, "self_attn.q_proj.weight"), layer_key(l, "self_attn.k_proj.weight"),
          layer_key(l, "self_attn.v_proj.weight")});
    fold(layer_key(l, "post_attention_layernorm.weight"),
         {layer_key(l, "mlp.gate_proj.weight"), layer_key(l, "mlp.up_proj.weight")});
  }
  fold("model.norm.weight", {"lm_head.weight"});
  return m;
}

Transforms identity_transforms(const labkit::llama::Config& c) {
  auto f64 = torch::TensorOptions().dtype(torch::kDouble);
  Transforms t;
  t.R_res = torch::eye(c.dim, f64);
  for (int64_t l = 0; l < c.n_layers; ++l) {
    t.R_ov.push_back(torch::eye(c.head_dim, f64).expand({c.n_kv_heads, c.head_dim, c.head_dim}).clone());
    t.s_attn.push_back(torch::zeros({c.dim}, f64));
    t.s_mlp.push_back(torch::zeros({c.dim}, f64));
    t.s_qk.push_back(torch::zeros({c.n_kv_heads, c.head_dim / 2}, f64));
    t.s_ov.push_back(torch::zeros({c.n_kv_heads, c.head_dim}, f64));
    t.s_ud.push_back(torch::zeros({c.hidden}, f64));
  }
  return t;
}

std::vector<torch::Tensor> Transforms::rotations() {
  std::vector<torch::Tensor> r{R_res};
  r.insert(r.end(), R_ov.begin(), R_ov.end());
  return r;
}

std::vector<torch::Tensor> Transforms::scales() {
  std::vector<torch::Tensor> s;
  for (auto* v : {&s_attn, &s_mlp, &s_qk, &s_ov, &s_ud}) s.insert(s.end(), v->begin(), v->end());
  return s;
}

TensorMap Transforms::to_map() const {
  TensorMap m;
  m["R_res"] = R_res.detach();
  for (size_t l = 0; l < R_ov.size(); ++l) {
    auto p = "layers." + std::to_string(l) + ".";
    m[p + "R_ov"] = R_ov[l].detach();
    m[p + "S_norm_qkv"] = s_attn[l].detach();
    m[p + "S_norm_upgate"] = s_mlp[l].detach();
    m[p + "S_qk"] = s_qk[l].detach();
    m[p + "S_ov"] = s_ov[l].detach();
    m[p + "S_up_down"] = s_ud[l].detach();
  }
  if (online_down.defined()) m["online_down"] = online_down.detach();
  if (online_qk.defined()) m["online_qk"] = online_qk.detach();
  return m;
}

Transforms Transforms::from_map(const TensorMap& m, int64_t layers) {
  Transforms t;
  auto get = [&](const std::string& k) { return m.at(k).to(torch::kDouble).clone(); };
  t.R_res = get("R_res");
  for (int64_t l = 0; l < layers; ++l) {
    auto p = "layers." + std::to_string(l) + ".";
    t.R_ov.push_back(get(p + "R_ov"));
    t.s_attn.push_back(get(p + "S_norm_qkv"));
    t.s_mlp.push_back(get(p + "S_norm_upgate"));
    t.s_qk.push_back(get(p + "S_qk"));
    t.s_ov.push_back(get(p + "S_ov"));
    t.s_ud.push_back(get(p + "S_up_down"));
  }
  if (m.count("online_down")) t.online_down = get("online_down");
  if (m.count("online_qk")) t.online_qk = get("online_qk");
  return t;
}

Model apply_transforms(const Model& fused, const Transforms& t) {
  const auto& c = fused.config;
  const auto& ref = fused.w("model.embed_tokens.weight");
  const auto dt = ref.scalar_type();
  const auto dev = ref.device();
  auto cast = [&](const torch::Tensor& x) { return x.to(dev, dt); };
  const int64_t kv = c.n_kv_heads, hd = c.head_dim, rep = c.n_heads / c.n_kv_heads, d = c.dim;
  auto R = cast(t.R_res);
  Model out;
  out.config = fused.config;
  auto& W = out.weights;
  const auto& F = fused.weights;
  W["model.embed_tokens.weight"] = torch::matmul(F.at("model.embed_tokens.weight"), R);
  W["lm_head.weight"] = torch::matmul(F.at("lm_head.weight"), R);
  W["model.norm.weight"] = F.at("model.norm.weight");
  for (int64_t l = 0; l < c.n_layers; ++l) {
    auto k = [&](const char* s) { return layer_key(l, s); };
    auto s_a = torch::exp(cast(t.s_attn[l]));
    auto s_m = torch::exp(cast(t.s_mlp[l]));
    auto sq = cast(t.s_qk[l]);
    auto s_qk = torch::exp(torch::cat({sq, sq}, -1));  // [kv, hd], equal on each rotate_half pair: commutes with RoPE
    auto s_ov = torch::exp(cast(t.s_ov[l]));           // [kv, hd]
    auto s_ud = torch::exp(cast(t.s_ud[l]));
    auto Rov = cast(t.R_ov[l]);                         // [kv, hd, hd]

    // Inputs of q/k/v live in the rotated, S_attn-divided basis.
    W[k("input_layernorm.weight")] = F.at(k("input_layernorm.weight")) / s_a;
    auto in_qkv = [&](const torch::Tensor& w) { return torch::matmul(w, R) * s_a.unsqueeze(0); };
    auto q = in_qkv(F.at(k("self_attn.q_proj.weight"))).view({kv, rep, hd, d}) / s_qk.view({kv, 1, hd, 1});
    auto kk = in_qkv(F.at(k("self_attn.k_proj.weight"))).view({kv, hd, d}) * s_qk.unsqueeze(-1);
    auto v = in_qkv(F.at(k("self_attn.v_proj.weight"))).view({kv, hd, d});
    v = torch::matmul(Rov.transpose(1, 2), v) / s_ov.unsqueeze(-1);  // v_h -> v_h·R_ov / S_ov
    W[k("self_attn.q_proj.weight")] = q.reshape({kv * rep * hd, d});
    W[k("self_attn.k_proj.weight")] = kk.reshape({kv * hd, d});
    W[k("self_attn.v_proj.weight")] = v.reshape({kv * hd, d});
    // o_proj: input columns of head (g, r) <- ·R_ov[g]·diag(S_ov[g]); output rows <- Rᵀ·.
    auto o = F.at(k("self_attn.o_proj.weight")).view({d, kv, rep, hd}).permute({1, 2, 0, 3});  // [kv, rep, d, hd]
    o = torch::matmul(o, Rov.unsqueeze(1)) * s_ov.view({kv, 1, 1, hd});
    o = o.permute({2, 0, 1, 3}).reshape({d, kv * rep * hd});
    W[k("self_attn.o_proj.weight")] = torch::matmul(R.t(), o);

    W[k("post_attention_layernorm.weight")] = F.at(k("post_attention_layernorm.weight")) / s_m;
    W[k("mlp.gate_proj.weight")] = torch::matmul(F.at(k("mlp.gate_proj.weight")), R) * s_m.unsqueeze(0);
    W[k("mlp.up_proj.weight")] =
        torch::matmul(F.at(k("mlp.up_proj.weight")), R) * s_m.unsqueeze(0) / s_ud.unsqueeze(1);
    // down: W·diag(S)·H (the exact order; the reference code's H-before-S is not an equivalence), then Rᵀ·.
    auto down = F.at(k("mlp.down_proj.weight")) * s_ud.unsqueeze(0);
    if (t.online_down.defined()) down = torch::matmul(down, cast(t.online_down));
    W[k("mlp.down_proj.weight")] = torch::matmul(R.t(), down);
  }
  out.config.online_had_down = t.online_down.defined();
  out.config.online_had_qk = t.online_qk.defined();
  if (t.online_down.defined()) out.online_down = cast(t.online_down);
  if (t.online_qk.defined()) out.online_qk = cast(t.online_qk);
  return out;
}

double orthogonality_error(const Transforms& t) {
  torch::NoGradGuard ng;
  auto err = [](const torch::Tensor& R) {
    auto r = R.to(torch::kDouble);
    auto I = torch::eye(r.size(-1), r.options());
    return (torch::matmul(r.transpose(-2, -1), r) - I).pow(2).sum({-2, -1}).sqrt().max().item<double>();
  };
  double e = err(t.R_res);
  for (const auto& r : t.R_ov) e = std::max(e, err(r));
  return e;
}

}  // namespace labkit::ostquant_calibrate
