#include "labkit/llama/forward.h"

#include <torch/torch.h>

#include <cmath>

#include "labkit/llama/lora.h"

namespace labkit::llama {

const char* site_name(Site s) {
  switch (s) {
    case Site::kAttnIn: return "attn_in";
    case Site::kQ: return "q";
    case Site::kK: return "k";
    case Site::kV: return "v";
    case Site::kOIn: return "o_in";
    case Site::kMlpIn: return "mlp_in";
    case Site::kDownIn: return "down_in";
  }
  return "?";
}

// Norm statistics in at least float32, as HF does, then back to the input dtype.
torch::Tensor rms_norm(const torch::Tensor& x, const torch::Tensor& weight, double eps) {
  auto work = x.scalar_type() == torch::kDouble ? torch::kDouble : torch::kFloat;
  auto xf = x.to(work);
  auto y = xf * torch::rsqrt(xf.pow(2).mean(-1, true) + eps);
  return weight * y.to(x.scalar_type());
}

std::pair<torch::Tensor, torch::Tensor> rope_tables(int64_t head_dim, double theta, int64_t start, int64_t T,
                                                    torch::ScalarType dtype, torch::Device device) {
  auto work = dtype == torch::kDouble ? torch::kDouble : torch::kFloat;
  auto opts = torch::TensorOptions().dtype(torch::kDouble).device(device);
  auto i = torch::arange(0, head_dim, 2, opts);
  auto inv_freq = torch::pow(theta, -i / static_cast<double>(head_dim));
  auto pos = torch::arange(start, start + T, opts);
  auto freqs = torch::outer(pos, inv_freq);
  auto emb = torch::cat({freqs, freqs}, -1);
  return {emb.cos().to(work).to(dtype), emb.sin().to(work).to(dtype)};
}

static torch::Tensor rotate_half(const torch::Tensor& x) {
  auto half = x.size(-1) / 2;
  return torch::cat({-x.narrow(-1, half, half), x.narrow(-1, 0, half)}, -1);
}

torch::Tensor apply_rope(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin) {
  return x * cos + rotate_half(x) * sin;
}

// x·Wᵀ for weight `suffix` of layer l, plus the LoRA term when the model carries an adapter for it.
static torch::Tensor project(const Model& model, int64_t l, const char* suffix, const torch::Tensor& x) {
  const std::string name = layer_key(l, suffix);
  auto y = torch::matmul(x, model.w(name).t());
  if (model.lora) {
    auto d = model.lora->delta(name, x);
    if (d.defined()) y = y + d;
  }
  return y;
}

torch::Tensor decoder_layer(const Model& model, int64_t l, const torch::Tensor& h_in, const torch::Tensor& cos,
                            const torch::Tensor& sin, const torch::Tensor& masked, KVCache* cache,
                            const ForwardHooks* hooks) {
  const Config& c = model.config;
  const int64_t B = h_in.size(0), T = h_in.size(1);
  auto hook = [&](const torch::Tensor& x, Site s) { return (hooks && hooks->act) ? hooks->act(x, s, l) : x; };
  const auto dtype = h_in.scalar_type();
  const int64_t rep = c.n_heads / c.n_kv_heads;
  const double scale = 1.0 / std::sqrt(static_cast<double>(c.head_dim));
  auto h = h_in;
  auto x = hook(rms_norm(h, model.layer_w(l, "input_layernorm.weight"), c.norm_eps), Site::kAttnIn);
  auto q = project(model, l, "self_attn.q_proj.weight", x);
  auto k = project(model, l, "self_attn.k_proj.weight", x);
  auto v = project(model, l, "self_attn.v_proj.weight", x);
  q = q.view({B, T, c.n_heads, c.head_dim}).transpose(1, 2);
  k = k.view({B, T, c.n_kv_heads, c.head_dim}).transpose(1, 2);
  v = v.view({B, T, c.n_kv_heads, c.head_dim}).transpose(1, 2);
  q = apply_rope(q, cos, sin);
  k = apply_rope(k, cos, sin);
  if (c.online_had_qk) {
    q = torch::matmul(q, model.online_qk);
    k = torch::matmul(k, model.online_qk);
  }
  q = hook(q, Site::kQ);
  k = hook(k, Site::kK);
  v = hook(v, Site::kV);
  if (cache) {
    if (cache->k[l].defined()) {
      k = torch::cat({cache->k[l], k}, 2);
      v = torch::cat({cache->v[l], v}, 2);
    }
    cache->k[l] = k;
    cache->v[l] = v;
  }
  // GQA: head j reads kv head j / rep.
  auto kr = rep == 1 ? k : k.repeat_interleave(rep, 1);
  auto vr = rep == 1 ? v : v.repeat_interleave(rep, 1);
  auto scores = torch::matmul(q, kr.transpose(-2, -1)) * scale;
  auto work = dtype == torch::kDouble ? torch::kDouble : torch::kFloat;
  auto masked_scores = scores.to(work).masked_fill(masked, -INFINITY);
  auto probs = ((hooks && hooks->softmax) ? hooks->softmax(masked_scores, l) : torch::softmax(masked_scores, -1)).to(dtype);
  auto o = torch::matmul(probs, vr).transpose(1, 2).reshape({B, T, c.q_dim()});
  o = hook(o, Site::kOIn);
  h = h + project(model, l, "self_attn.o_proj.weight", o);

  auto y = hook(rms_norm(h, model.layer_w(l, "post_attention_layernorm.weight"), c.norm_eps), Site::kMlpIn);
  auto g = project(model, l, "mlp.gate_proj.weight", y);
  auto u = project(model, l, "mlp.up_proj.weight", y);
  auto a = torch::silu(g) * u;
  if (c.online_had_down) a = torch::matmul(a, model.online_down);
  a = hook(a, Site::kDownIn);
  return h + project(model, l, "mlp.down_proj.weight", a);
}

torch::Tensor forward(const Model& model, const torch::Tensor& tokens, KVCache* cache, const ForwardHooks* hooks) {
  const Config& c = model.config;
  TORCH_CHECK(tokens.dim() == 2, "forward: tokens must be [B, T]");
  const int64_t B = tokens.size(0), T = tokens.size(1);
  const int64_t start = cache ? cache->pos : 0;
  const auto& embed = model.w("model.embed_tokens.weight");
  auto h = torch::embedding(embed, tokens.to(embed.device()));
  auto dtype = h.scalar_type();
  auto [cos, sin] = rope_tables(c.head_dim, c.rope_theta, start, T, dtype, h.device());
  const int64_t total = start + T;
  // Causal mask over [T, total]: query t (absolute start+t) sees keys <= start+t.
  auto qpos = torch::arange(start, total, torch::TensorOptions().dtype(torch::kLong).device(h.device())).unsqueeze(1);
  auto kpos = torch::arange(0, total, torch::TensorOptions().dtype(torch::kLong).device(h.device())).unsqueeze(0);
  auto masked = kpos > qpos;
  if (cache && cache->k.empty()) {
    cache->k.resize(c.n_layers);
    cache->v.resize(c.n_layers);
  }

  for (int64_t l = 0; l < c.n_layers; ++l) h = decoder_layer(model, l, h, cos, sin, masked, cache, hooks);
  if (cache) cache->pos = total;
  auto hn = rms_norm(h, model.w("model.norm.weight"), c.norm_eps);
  return torch::matmul(hn, model.lm_head().t());
}

}  // namespace labkit::llama
