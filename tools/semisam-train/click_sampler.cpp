#include "click_sampler.h"

#include <algorithm>

#include "distance_transform.h"

namespace labkit::semisam_train {

namespace {

Mask to_mask(const torch::Tensor& t) {
  const auto c = t.to(torch::kCPU).to(torch::kUInt8).contiguous();
  return Mask(c.data_ptr<uint8_t>(), c.data_ptr<uint8_t>() + c.numel());
}

Grid3 grid_of(const torch::Tensor& t) { return {{t.size(0), t.size(1), t.size(2)}, {1, 1, 1}}; }

std::array<int64_t, 3> unravel(const Grid3& g, int64_t v) {
  return {v / (g.dims[1] * g.dims[2]), (v / g.dims[2]) % g.dims[1], v % g.dims[2]};
}

// A uniformly random voxel where `where` holds, or -1.
int64_t pick(const std::vector<int64_t>& where, std::mt19937_64& rng) {
  if (where.empty()) return -1;
  return where[std::uniform_int_distribution<size_t>(0, where.size() - 1)(rng)];
}

Click fallback(const Mask& target, const Grid3& g, std::mt19937_64& rng) {
  std::vector<int64_t> fg;
  for (int64_t v = 0; v < g.size(); ++v)
    if (target[v]) fg.push_back(v);
  if (!fg.empty()) return {unravel(g, pick(fg, rng)), true};
  return {unravel(g, std::uniform_int_distribution<int64_t>(0, g.size() - 1)(rng)), false};
}

}  // namespace

Click ritm_click(const torch::Tensor& pred, const torch::Tensor& target, std::mt19937_64& rng, bool wrong_voxel_label) {
  const Grid3 g = grid_of(target);
  const Mask t = to_mask(target), p = to_mask(pred);
  Mask fn(t.size()), fp(t.size());
  for (size_t v = 0; v < t.size(); ++v) fn[v] = t[v] && !p[v], fp[v] = !t[v] && p[v];
  const auto dfn = distance_inside(fn, g), dfp = distance_inside(fp, g);
  const double max_fn = *std::max_element(dfn.begin(), dfn.end()), max_fp = *std::max_element(dfp.begin(), dfp.end());
  if (max_fn == 0 && max_fp == 0) return fallback(t, g, rng);
  const bool use_fn = max_fn > max_fp;
  const auto& dt = use_fn ? dfn : dfp;
  const double half = (use_fn ? max_fn : max_fp) / 2.0;
  std::vector<int64_t> candidates;
  for (int64_t v = 0; v < g.size(); ++v)
    if (dt[v] > half) candidates.push_back(v);
  Click c{unravel(g, pick(candidates, rng)), false};
  const auto& at = c.voxel;
  c.positive = wrong_voxel_label ? fn[g.index(0, at[0], at[1])] : fn[g.index(at[0], at[1], at[2])];
  return c;
}

Click error_region_click(const torch::Tensor& pred, const torch::Tensor& target, std::mt19937_64& rng) {
  const Grid3 g = grid_of(target);
  const Mask t = to_mask(target), p = to_mask(pred);
  std::vector<int64_t> errors;
  for (int64_t v = 0; v < g.size(); ++v)
    if (t[v] != p[v]) errors.push_back(v);
  if (errors.empty()) return fallback(t, g, rng);
  const int64_t v = pick(errors, rng);
  return {unravel(g, v), t[v] && !p[v]};
}

}  // namespace labkit::semisam_train
