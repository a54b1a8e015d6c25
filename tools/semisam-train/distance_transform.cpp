#include "distance_transform.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace labkit::semisam_train {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// 1D squared distance transform of f (sampled every `step` units) into d, with scratch v and z.
void squared_edt_1d(const std::vector<double>& f, double step, std::vector<double>& d, std::vector<int64_t>& v,
                    std::vector<double>& z) {
  const int64_t n = static_cast<int64_t>(f.size());
  int64_t k = -1;
  auto pos = [step](int64_t q) { return q * step; };
  for (int64_t q = 0; q < n; ++q) {
    if (f[q] == kInf) continue;
    while (k >= 0) {
      const int64_t p = v[k];
      // Where the parabola from q overtakes the one from p.
      const double s = ((f[q] + pos(q) * pos(q)) - (f[p] + pos(p) * pos(p))) / (2 * (pos(q) - pos(p)));
      if (s <= z[k]) {
        --k;
        continue;
      }
      z[k + 1] = s;
      break;
    }
    if (k < 0) z[0] = -kInf;
    v[++k] = q;
    z[k + 1] = kInf;
  }
  if (k < 0) {
    std::fill(d.begin(), d.end(), kInf);
    return;
  }
  int64_t j = 0;
  for (int64_t q = 0; q < n; ++q) {
    while (z[j + 1] < pos(q)) ++j;
    const double dx = pos(q) - pos(v[j]);
    d[q] = dx * dx + f[v[j]];
  }
}

}  // namespace

std::vector<double> distance_to_sites(const Mask& site, const Grid3& g) {
  std::vector<double> sq(static_cast<size_t>(g.size()));
  for (size_t i = 0; i < sq.size(); ++i) sq[i] = site[i] ? 0.0 : kInf;
  const int64_t stride[3] = {g.dims[1] * g.dims[2], g.dims[2], 1};
  for (int axis = 0; axis < 3; ++axis) {
    const int64_t n = g.dims[axis];
    std::vector<double> f(n), d(n), z(n + 1);
    std::vector<int64_t> v(n);
    const int a = (axis + 1) % 3, b = (axis + 2) % 3;
    for (int64_t i = 0; i < g.dims[a]; ++i)
      for (int64_t j = 0; j < g.dims[b]; ++j) {
        const int64_t base = i * stride[a] + j * stride[b];
        for (int64_t q = 0; q < n; ++q) f[q] = sq[base + q * stride[axis]];
        squared_edt_1d(f, g.spacing[axis], d, v, z);
        for (int64_t q = 0; q < n; ++q) sq[base + q * stride[axis]] = d[q];
      }
  }
  for (auto& x : sq) x = std::sqrt(x);
  return sq;
}

std::vector<double> distance_inside(const Mask& mask, const Grid3& g) {
  // Pad by one voxel of "outside" on every side, transform, and cut the padding off again.
  Grid3 p = g;
  for (auto& d : p.dims) d += 2;
  Mask site(static_cast<size_t>(p.size()), 1);
  for (int64_t i = 0; i < g.dims[0]; ++i)
    for (int64_t j = 0; j < g.dims[1]; ++j)
      for (int64_t k = 0; k < g.dims[2]; ++k) site[p.index(i + 1, j + 1, k + 1)] = mask[g.index(i, j, k)] ? 0 : 1;
  const auto dp = distance_to_sites(site, p);
  std::vector<double> out(static_cast<size_t>(g.size()));
  for (int64_t i = 0; i < g.dims[0]; ++i)
    for (int64_t j = 0; j < g.dims[1]; ++j)
      for (int64_t k = 0; k < g.dims[2]; ++k) out[g.index(i, j, k)] = dp[p.index(i + 1, j + 1, k + 1)];
  return out;
}

}  // namespace labkit::semisam_train
