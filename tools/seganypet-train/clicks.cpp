#include "clicks.h"

namespace labkit::seganypet_train {

namespace {

// A uniformly random true voxel of a (S, S, S) bool tensor, or false when there is none.
bool pick(const torch::Tensor& where, std::mt19937_64& rng, int64_t out[3]) {
  auto idx = torch::nonzero(where);
  if (idx.size(0) == 0) return false;
  std::uniform_int_distribution<int64_t> u(0, idx.size(0) - 1);
  auto row = idx[u(rng)];
  auto acc = row.accessor<int64_t, 1>();
  for (int a = 0; a < 3; ++a) out[a] = acc[a];
  return true;
}

}  // namespace

Clicks next_clicks(const torch::Tensor& pred, const torch::Tensor& target, std::mt19937_64& rng) {
  const int64_t B = target.size(0), S = target.size(2);
  auto tgt = target.to(torch::kCPU).gt(0.5);
  auto prd = pred.defined() ? pred.to(torch::kCPU).gt(0.5) : torch::zeros_like(tgt);
  auto points = torch::zeros({B, 1, 3}, torch::kFloat32);
  auto labels = torch::zeros({B, 1}, torch::kInt64);
  for (int64_t b = 0; b < B; ++b) {
    const auto t = tgt[b][0], p = prd[b][0];
    int64_t v[3];
    bool positive;
    if (pick(t ^ p, rng, v)) {
      positive = t[v[0]][v[1]][v[2]].item<bool>();
    } else if (pick(t, rng, v)) {
      positive = true;
    } else {
      std::uniform_int_distribution<int64_t> u(0, S - 1);
      for (auto& x : v) x = u(rng);
      positive = false;
    }
    for (int a = 0; a < 3; ++a) points[b][0][a] = static_cast<float>(v[a]);
    labels[b][0] = positive ? 1 : 0;
  }
  return {points.to(target.device()), labels.to(target.device())};
}

}  // namespace labkit::seganypet_train
