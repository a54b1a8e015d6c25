#include "layerwise.h"

#include <torch/torch.h>

#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "calibrate.h"

namespace ostq {

using labkit::llama::ForwardHooks;
using labkit::llama::Model;
using labkit::llama::Site;

torch::Tensor decoder_layer(const Model& m, int64_t l, const torch::Tensor& h_in, const torch::Tensor& cos,
                            const torch::Tensor& sin, const torch::Tensor& masked, const ForwardHooks* hooks) {
  const auto& c = m.config;
  const int64_t B = h_in.size(0), T = h_in.size(1);
  auto hook = [&](const torch::Tensor& x, Site s) { return (hooks && hooks->act) ? hooks->act(x, s, l) : x; };
  const auto dtype = h_in.scalar_type();
  const int64_t rep = c.n_heads / c.n_kv_heads;
  const double scale = 1.0 / std::sqrt(static_cast<double>(c.head_dim));
  auto h = h_in;
  auto x = hook(labkit::llama::rms_norm(h, m.layer_w(l, "input_layernorm.weight"), c.norm_eps), Site::kAttnIn);
  auto q = torch::matmul(x, m.layer_w(l, "self_attn.q_proj.weight").t());
  auto k = torch::matmul(x, m.layer_w(l, "self_attn.k_proj.weight").t());
  auto v = torch::matmul(x, m.layer_w(l, "self_attn.v_proj.weight").t());
  q = q.view({B, T, c.n_heads, c.head_dim}).transpose(1, 2);
  k = k.view({B, T, c.n_kv_heads, c.head_dim}).transpose(1, 2);
  v = v.view({B, T, c.n_kv_heads, c.head_dim}).transpose(1, 2);
  q = labkit::llama::apply_rope(q, cos, sin);
  k = labkit::llama::apply_rope(k, cos, sin);
  if (c.online_had_qk) {
    q = torch::matmul(q, m.online_qk);
    k = torch::matmul(k, m.online_qk);
  }
  q = hook(q, Site::kQ);
  k = hook(k, Site::kK);
  v = hook(v, Site::kV);
  auto kr = rep == 1 ? k : k.repeat_interleave(rep, 1);
  auto vr = rep == 1 ? v : v.repeat_interleave(rep, 1);
  auto scores = torch::matmul(q, kr.transpose(-2, -1)) * scale;
  auto work = dtype == torch::kDouble ? torch::kDouble : torch::kFloat;
  auto probs = torch::softmax(scores.to(work).masked_fill(masked, -INFINITY), -1).to(dtype);
  auto o = torch::matmul(probs, vr).transpose(1, 2).reshape({B, T, c.q_dim()});
  o = hook(o, Site::kOIn);
  h = h + torch::matmul(o, m.layer_w(l, "self_attn.o_proj.weight").t());

  auto y = hook(labkit::llama::rms_norm(h, m.layer_w(l, "post_attention_layernorm.weight"), c.norm_eps), Site::kMlpIn);
  auto g = torch::matmul(y, m.layer_w(l, "mlp.gate_proj.weight").t());
  auto u = torch::matmul(y, m.layer_w(l, "mlp.up_proj.weight").t());
  auto a = torch::silu(g) * u;
  if (c.online_had_down) a = torch::matmul(a, m.online_down);
  a = hook(a, Site::kDownIn);
  return h + torch::matmul(a, m.layer_w(l, "mlp.down_proj.weight").t());
}

double kl_top_backward_full(const Model& student, const torch::Tensor& tokens, const torch::Tensor& target,
                            int64_t k, const ForwardHooks* hooks) {
  auto loss = kl_top_loss(target, labkit::llama::forward(student, tokens, nullptr, hooks), k);
  loss.backward();
  return loss.item<double>();
}

namespace {

// The student's tensors cut from the graph that built them (from the transforms): the layer segments
// accumulate into these leaves' .grad, and one final backward carries the sums into the transforms, so a
// transform shared by every layer (R_res) gets the sum over all segments, as in the full graph.
struct Leaves {
  Model model;
  std::vector<std::pair<torch::Tensor, torch::Tensor>> built_and_leaf;
  explicit Leaves(const Model& student) : model(student) {
    auto cut = [&](torch::Tensor& t) {
      if (!t.defined() || !t.requires_grad()) return;
      auto leaf = t.detach().requires_grad_(true);
      built_and_leaf.emplace_back(t, leaf);
      t = leaf;
    };
    for (auto& kv : model.weights) cut(kv.second);
    cut(model.online_down);
    cut(model.online_qk);
  }
  void backward_into_sources() {
    std::vector<torch::Tensor> outs, grads;
    for (auto& [built, leaf] : built_and_leaf)
      if (leaf.grad().defined()) {
        outs.push_back(built);
        grads.push_back(leaf.grad());
      }
    if (!outs.empty()) torch::autograd::backward(outs, grads);
  }
};

}  // namespace

double kl_top_backward_layerwise(const Model& student, const torch::Tensor& tokens, const torch::Tensor& target,
                                 int64_t k, const ForwardHooks* hooks) {
  Leaves lv(student);
  const Model& m = lv.model;
  const auto& c = m.config;
  TORCH_CHECK(tokens.dim() == 2, "kl_top_backward_layerwise: tokens must be [B, T]");
  const int64_t T = tokens.size(1);
  const auto& embed = m.w("model.embed_tokens.weight");
  auto ids = tokens.to(embed.device());
  auto dev = embed.device();
  auto [cos, sin] = labkit::llama::rope_tables(c.head_dim, c.rope_theta, 0, T, embed.scalar_type(), dev);
  auto pos = torch::arange(0, T, torch::TensorOptions().dtype(torch::kLong).device(dev));
  auto masked = pos.unsqueeze(0) > pos.unsqueeze(1);  // [T, T]: key after query

  // 1. Forward without a graph, keeping only each layer's input (and the last layer's output).
  std::vector<torch::Tensor> inputs;
  {
    torch::NoGradGuard ng;
    auto h = torch::embedding(embed, ids);
    for (int64_t l = 0; l < c.n_layers; ++l) {
      inputs.push_back(h);
      h = decoder_layer(m, l, h, cos, sin, masked, hooks);
    }
    inputs.push_back(h);
  }
  // 2. Head + loss with a graph from the final hidden state.
  auto h_last = inputs.back().requires_grad_(true);
  auto logits = torch::matmul(labkit::llama::rms_norm(h_last, m.w("model.norm.weight"), c.norm_eps), m.lm_head().t());
  auto loss = kl_top_loss(target, logits, k);
  loss.backward();
  const double value = loss.item<double>();
  logits = torch::Tensor();
  loss = torch::Tensor();
  auto grad = h_last.grad();
  inputs.back() = torch::Tensor();
  // 3. Layers backwards: recompute layer l with a graph from its stored input, push the incoming gradient
  // through it, and hand the input's gradient to layer l - 1. One layer's graph is alive at a time.
  for (int64_t l = c.n_layers - 1; l >= 0; --l) {
    auto x = inputs[l].requires_grad_(true);
    auto y = decoder_layer(m, l, x, cos, sin, masked, hooks);
    torch::autograd::backward({y}, {grad});
    grad = x.grad();
    inputs[l] = torch::Tensor();
  }
  // 4. Embedding lookup, then everything the student's tensors were built from.
  auto h0 = torch::embedding(embed, ids);
  torch::autograd::backward({h0}, {grad});
  lv.backward_into_sources();
  return value;
}

}  // namespace ostq
