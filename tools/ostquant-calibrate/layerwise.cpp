#include "layerwise.h"

#include <torch/torch.h>

#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "calibrate.h"

namespace labkit::ostquant_calibrate {

using labkit::llama::ForwardHooks;
using labkit::llama::Model;
using labkit::llama::Site;

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
      h = labkit::llama::decoder_layer(m, l, h, cos, sin, masked, nullptr, hooks);
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
    auto y = labkit::llama::decoder_layer(m, l, x, cos, sin, masked, nullptr, hooks);
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

}  // namespace labkit::ostquant_calibrate
