#include "klt.h"

#include <torch/torch.h>

#include "labkit/llama/hadamard.h"

namespace labkit::ostquant_calibrate {

using labkit::llama::layer_key;

torch::Tensor column_covariance_eigenbasis(const torch::Tensor& rows) {
  torch::NoGradGuard ng;
  auto X = rows.to(torch::kDouble);
  X = X - X.mean(0, true);
  auto cov = X.t().mm(X) / static_cast<double>(std::max<int64_t>(1, X.size(0) - 1));
  return std::get<1>(torch::linalg_eigh(cov));
}

torch::Tensor klt_residual_rotation(const labkit::llama::Model& fused, uint64_t seed) {
  std::vector<torch::Tensor> rows;
  for (int64_t l = 0; l < fused.config.n_layers; ++l)
    for (const char* n : {"self_attn.q_proj.weight", "self_attn.k_proj.weight", "self_attn.v_proj.weight",
                          "mlp.up_proj.weight", "mlp.gate_proj.weight"})
      rows.push_back(fused.w(layer_key(l, n)).detach().to(torch::kCPU, torch::kDouble));
  auto V = column_covariance_eigenbasis(torch::cat(rows, 0));
  return V.mm(labkit::llama::random_hadamard(fused.config.dim, seed));
}

torch::Tensor klt_ov_rotations(const labkit::llama::Model& fused, int64_t l, uint64_t seed) {
  const auto& c = fused.config;
  const int64_t kv = c.n_kv_heads, rep = c.n_heads / c.n_kv_heads, hd = c.head_dim;
  // o_proj columns are ordered (kv head, member of its group, head_dim), as q's heads.
  auto o = fused.w(layer_key(l, "self_attn.o_proj.weight")).detach().to(torch::kCPU, torch::kDouble).view({c.dim, kv, rep, hd});
  std::vector<torch::Tensor> heads;
  for (int64_t h = 0; h < kv; ++h) {
    auto V = column_covariance_eigenbasis(o.select(1, h).reshape({-1, hd}));
    heads.push_back(V.mm(labkit::llama::random_hadamard(hd, seed + 100 * l + h)));
  }
  return torch::stack(heads);
}

}  // namespace labkit::ostquant_calibrate
