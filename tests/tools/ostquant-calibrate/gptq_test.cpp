// GPTQ: the column-wise solver against RTN, and the sequential model pass against Hessians collected
// independently through the full forward of a partly quantized model.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "gptq.h"
#include "labkit/llama/forward.h"
#include "test_util.h"

using namespace labkit::ostquant_calibrate;
using labkit::llama::layer_key;
using labkit::llama::Site;

TEST(Gptq, IdentityHessianEqualsRtnAndCorrelatedInputsBeatRtn) {
  torch::manual_seed(3);
  auto W = torch::randn({12, 40}, torch::kDouble);
  // With H = I (uncorrelated inputs) there is nothing to compensate: GPTQ = RTN with the same grids.
  auto rtn = quantize_weight_sym(W, 4, true).dequant;
  auto id = gptq_quantize(W, torch::eye(40, torch::kDouble), 4, true, 0.0);
  EXPECT_LT((id.dequant - rtn).abs().max().item<double>(), 1e-6);  // scales pass through float32
  // Correlated inputs: GPTQ's output error ||(Q - W) Xᵀ|| is below RTN's.
  auto X = torch::randn({400, 8}, torch::kDouble).mm(torch::randn({8, 40}, torch::kDouble)) +
           0.1 * torch::randn({400, 40}, torch::kDouble);
  auto H = 2.0 * X.t().mm(X) / 400.0;
  auto q = gptq_quantize(W, H, 3, true);
  auto out_err = [&](const torch::Tensor& Q) { return (Q - W).mm(X.t()).pow(2).sum().item<double>(); };
  EXPECT_LT(out_err(q.dequant), 0.7 * out_err(quantize_weight_sym(W, 3, true).dequant));
  // Codes are integers on the 3-bit grid and dequantize to the returned weight with the returned scales.
  EXPECT_GE(q.codes.min().item<int>(), -4);
  EXPECT_LE(q.codes.max().item<int>(), 3);
  auto deq = q.codes.to(torch::kDouble) * q.scales.to(torch::kDouble).unsqueeze(1);
  EXPECT_LT((deq - q.dequant).abs().max().item<double>(), 1e-12);
}

namespace {
// 2·XᵀX/N of the inputs reaching `site` of layer `layer` when `model` runs forward over `streams`.
torch::Tensor hessian_via_forward(const labkit::llama::Model& model, const std::vector<labkit::llama::TokenStream>& streams,
                                  int64_t layer, Site site) {
  torch::NoGradGuard ng;
  torch::Tensor H = torch::zeros({0});
  int64_t rows = 0;
  labkit::llama::ForwardHooks hooks;
  hooks.act = [&](const torch::Tensor& x, Site s, int64_t l) {
    if (l == layer && s == site) {
      auto X = x.to(torch::kDouble).reshape({-1, x.size(-1)});
      H = H.numel() ? H + 2.0 * X.t().mm(X) : 2.0 * X.t().mm(X);
      rows += X.size(0);
    }
    return x;
  };
  for (const auto& s : streams) labkit::llama::forward(model, torch::tensor(s, torch::kLong).unsqueeze(0), nullptr, &hooks);
  return H / static_cast<double>(rows);
}
}  // namespace

TEST(Gptq, SequentialPassCalibratesEachGroupOnQuantizedPredecessors) {
  const auto& model = test::stories();
  std::vector<labkit::llama::TokenStream> calib;
  for (uint64_t i = 0; i < 3; ++i) {
    auto t = test::random_tokens(1, 24, 40 + i)[0];
    calib.emplace_back(t.data_ptr<int64_t>(), t.data_ptr<int64_t>() + t.numel());
  }
  auto q = gptq_quantize_model(model, 4, true, calib);
  EXPECT_EQ(q.linears.size(), 7u * model.config.n_layers);

  // Reference for layer 1's q_proj: a model whose layer 0 is the quantized one and the rest original.
  labkit::llama::Model partial = model;
  for (const char* n : {"self_attn.q_proj.weight", "self_attn.k_proj.weight", "self_attn.v_proj.weight",
                        "self_attn.o_proj.weight", "mlp.gate_proj.weight", "mlp.up_proj.weight", "mlp.down_proj.weight"})
    partial.weights[layer_key(0, n)] = q.model.w(layer_key(0, n));
  const auto qkey = layer_key(1, "self_attn.q_proj.weight");
  auto expect_q = gptq_quantize(model.w(qkey), hessian_via_forward(partial, calib, 1, Site::kAttnIn), 4, true);
  EXPECT_LT((q.model.w(qkey).to(torch::kDouble) - expect_q.dequant.to(torch::kDouble)).abs().max().item<double>(), 1e-6);

  // Inside layer 1, o_proj sees the outputs of the already quantized q/k/v.
  for (const char* n : {"self_attn.q_proj.weight", "self_attn.k_proj.weight", "self_attn.v_proj.weight"})
    partial.weights[layer_key(1, n)] = q.model.w(layer_key(1, n));
  const auto okey = layer_key(1, "self_attn.o_proj.weight");
  auto expect_o = gptq_quantize(model.w(okey), hessian_via_forward(partial, calib, 1, Site::kOIn), 4, true);
  EXPECT_LT((q.model.w(okey).to(torch::kDouble) - expect_o.dequant.to(torch::kDouble)).abs().max().item<double>(), 1e-6);
  // ...and a one-pass Hessian from the unquantized model gives different weights (the test can fail).
  auto one_pass = gptq_quantize(model.w(okey), hessian_via_forward(model, calib, 1, Site::kOIn), 4, true);
  EXPECT_GT((q.model.w(okey) - one_pass.dequant).abs().max().item<double>(), 1e-3);
}
