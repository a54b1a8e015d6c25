// KLT starts: orthogonal, and their eigen-factor diagonalises the weight-column covariance, built here
// independently from the named weights (o_proj columns picked by head index).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "klt.h"
#include "labkit/llama/hadamard.h"
#include "test_util.h"
#include "transforms.h"

using namespace labkit::ostquant_calibrate;
using labkit::llama::layer_key;

namespace {
torch::Tensor covariance(const torch::Tensor& rows) {
  auto X = rows.to(torch::kDouble);
  auto Xc = X - X.mean(0, true);
  return Xc.t().mm(Xc) / static_cast<double>(X.size(0) - 1);
}
double off_diagonal_max(const torch::Tensor& M) {
  return (M - torch::diag_embed(M.diagonal())).abs().max().item<double>();
}
}  // namespace

TEST(Klt, ResidualRotationDiagonalisesTheStackedWeightCovariance) {
  auto fused = fuse_norms(test::stories());
  auto R = klt_residual_rotation(fused, 3);
  const int64_t d = fused.config.dim;
  EXPECT_LT((R.t().mm(R) - torch::eye(d, torch::kDouble)).abs().max().item<double>(), 1e-10);
  std::vector<torch::Tensor> rows;
  for (int64_t l = 0; l < fused.config.n_layers; ++l)
    for (const char* n : {"mlp.gate_proj.weight", "mlp.up_proj.weight", "self_attn.v_proj.weight",
                          "self_attn.k_proj.weight", "self_attn.q_proj.weight"})  // order does not matter
      rows.push_back(fused.w(layer_key(l, n)));
  auto C = covariance(torch::cat(rows, 0));
  auto V = R.mm(labkit::llama::random_hadamard(d, 3).t());  // undo the Hadamard factor
  auto D = V.t().mm(C).mm(V);
  EXPECT_LT(off_diagonal_max(D), 1e-9 * D.diagonal().abs().max().item<double>());
  EXPECT_GT(off_diagonal_max(C), 1e-3 * C.diagonal().abs().max().item<double>());  // C itself is not diagonal
  EXPECT_FALSE(torch::allclose(R, klt_residual_rotation(fused, 4)));                 // the seed draws D
}

TEST(Klt, OvRotationsDiagonaliseEachKvHeadsOprojColumns) {
  auto fused = fuse_norms(test::stories());
  const auto& c = fused.config;
  const int64_t rep = c.n_heads / c.n_kv_heads, hd = c.head_dim;
  auto R = klt_ov_rotations(fused, 2, 5);
  ASSERT_EQ(R.sizes(), torch::IntArrayRef({c.n_kv_heads, hd, hd}));
  auto o = fused.w(layer_key(2, "self_attn.o_proj.weight")).to(torch::kDouble);
  for (int64_t h = 0; h < c.n_kv_heads; ++h) {
    std::vector<torch::Tensor> blocks;  // heads h·rep .. h·rep + rep − 1 share KV head h
    for (int64_t r = 0; r < rep; ++r) blocks.push_back(o.narrow(1, (h * rep + r) * hd, hd));
    auto C = covariance(torch::cat(blocks, 0));
    auto V = R[h].mm(labkit::llama::random_hadamard(hd, 5 + 100 * 2 + h).t());
    auto D = V.t().mm(C).mm(V);
    EXPECT_LT(off_diagonal_max(D), 1e-9 * D.diagonal().abs().max().item<double>()) << h;
    EXPECT_LT((R[h].t().mm(R[h]) - torch::eye(hd, torch::kDouble)).abs().max().item<double>(), 1e-10);
  }
}
