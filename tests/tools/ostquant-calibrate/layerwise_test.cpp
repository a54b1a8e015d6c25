// Layer-wise recomputation in the calibration backward: the same loss and the same gradients of every
// learned transform (R_res is shared by all layers, the embedding and the head) as one full autograd graph,
// and the same transforms after training steps.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "calibrate.h"
#include "data.h"
#include "labkit/llama/forward.h"
#include "layerwise.h"
#include "pipeline.h"
#include "test_util.h"

using namespace labkit::ostquant_calibrate;

namespace {

// Rotation init with the scales moved off 1 (seeded), so every scale has a non-trivial gradient.
Transforms perturbed_init(const QuantSetting& s) {
  auto t = rotation_init(test::stories().config, s, {"orthogonal", 0});
  auto gen = at::detail::createCPUGenerator(5);
  torch::NoGradGuard ng;
  for (auto& x : t.scales()) x.copy_(0.2 * torch::randn(x.sizes(), gen, x.options()));
  return t;
}

Transforms clone(const Transforms& t) { return Transforms::from_map(t.to_map(), static_cast<int64_t>(t.R_ov.size())); }

struct Grads {
  double loss = 0;
  std::vector<torch::Tensor> g;  // rotations then scales
};

Grads grads(bool layerwise, const QuantSetting& s, bool wquant, const torch::Tensor& tokens) {
  static const auto fused32 = fuse_norms(test::stories()).to(torch::kFloat);
  auto t = perturbed_init(s);
  std::vector<torch::Tensor> params = t.rotations();
  for (auto& x : t.scales()) params.push_back(x);
  for (auto& p : params) p.requires_grad_(true);
  torch::Tensor target;
  {
    torch::NoGradGuard ng;
    target = labkit::llama::forward(test::stories(), tokens);
  }
  auto student = apply_transforms(fused32, t);
  if (wquant) student = fake_quant_weights(student, s.w_bits, true);
  auto hooks = activation_quant_hooks(s, fused32.config.head_dim);
  Grads out;
  out.loss = layerwise ? kl_top_backward_layerwise(student, tokens, target, 1000, &hooks)
                       : kl_top_backward_full(student, tokens, target, 1000, &hooks);
  for (auto& p : params) {
    EXPECT_TRUE(p.grad().defined());
    out.g.push_back(p.grad().clone());
  }
  return out;
}

void expect_same_grads(const QuantSetting& s, bool wquant) {
  auto tokens = test::random_tokens(3, 48, 17);
  auto full = grads(false, s, wquant, tokens), lw = grads(true, s, wquant, tokens);
  EXPECT_EQ(full.loss, lw.loss);  // the recomputed forward is the same ops on the same values
  ASSERT_EQ(full.g.size(), lw.g.size());
  double worst = 0, worst_rel = 0;
  for (size_t i = 0; i < full.g.size(); ++i) {
    const double scale = full.g[i].abs().max().item<double>();
    const double diff = (full.g[i] - lw.g[i]).abs().max().item<double>();
    EXPECT_GT(scale, 1e-8) << "parameter " << i << " has no gradient";
    EXPECT_LE(diff, 1e-5 * std::max(scale, 1.0)) << "parameter " << i << " (0 = R_res)";
    worst = std::max(worst, diff);
    worst_rel = std::max(worst_rel, diff / scale);
  }
  // R_res: every layer, the embedding and the head contribute; their sum must match the full graph.
  EXPECT_GT(full.g[0].abs().max().item<double>(), 1e-6);
  std::printf("%s%s: loss %.6f, max |grad diff| %.3g (largest relative %.3g) over %zu tensors\n",
              s.name().c_str(), wquant ? " (weight fake-quant)" : "", full.loss, worst, worst_rel, full.g.size());
}

}  // namespace

TEST(Layerwise, GradientsEqualFullGraphWithActivationQuant) { expect_same_grads(parse_setting("W4A4KV4"), false); }

TEST(Layerwise, GradientsEqualFullGraphWithWeightFakeQuant) { expect_same_grads(parse_setting("W4A16"), true); }

TEST(Layerwise, TwoTrainingStepsGiveTheSameTransforms) {
  const auto s = parse_setting("W4A4KV4");
  const auto fused32 = fuse_norms(test::stories()).to(torch::kFloat);
  const auto calib = sample_streams(test::stories(), 6, 40, 11);
  TrainOptions o = test::default_train_options();
  o.steps = 2;
  o.batch = 3;
  auto a = perturbed_init(s), b = clone(a);
  o.layerwise_backward = false;
  auto la = train_transforms(test::stories(), fused32, a, s, calib, o);
  o.layerwise_backward = true;
  auto lb = train_transforms(test::stories(), fused32, b, s, calib, o);
  ASSERT_EQ(la.loss.size(), 2u);
  EXPECT_EQ(la.loss[0], lb.loss[0]);
  EXPECT_NEAR(la.loss[1], lb.loss[1], 1e-5);
  auto ma = a.to_map(), mb = b.to_map();
  double worst = 0;
  for (const auto& [k, v] : ma) {
    const double d = (v - mb.at(k)).abs().max().item<double>();
    EXPECT_LT(d, 1e-5) << k;
    worst = std::max(worst, d);
  }
  std::printf("after 2 steps: max |transform diff| %.3g\n", worst);
}
