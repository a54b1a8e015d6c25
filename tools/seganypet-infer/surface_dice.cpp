#include "surface_dice.h"

#include <cmath>
#include <limits>
#include <vector>

namespace labkit::seganypet_infer {

namespace img = labkit::imageio;

namespace {

std::vector<uint8_t> surface(const std::vector<uint8_t>& m, const std::array<int64_t, 3>& s) {
  std::vector<uint8_t> out(m.size(), 0);
  auto at = [&](int64_t i, int64_t j, int64_t k) -> bool {
    if (i < 0 || j < 0 || k < 0 || i >= s[0] || j >= s[1] || k >= s[2]) return false;
    return m[static_cast<size_t>(i + s[0] * (j + s[1] * k))];
  };
  for (int64_t k = 0; k < s[2]; ++k)
    for (int64_t j = 0; j < s[1]; ++j)
      for (int64_t i = 0; i < s[0]; ++i)
        if (at(i, j, k) && !(at(i - 1, j, k) && at(i + 1, j, k) && at(i, j - 1, k) && at(i, j + 1, k) &&
                             at(i, j, k - 1) && at(i, j, k + 1)))
          out[static_cast<size_t>(i + s[0] * (j + s[1] * k))] = 1;
  return out;
}

// Surface voxels of `a` with a surface voxel of `b` within tol mm; searched in the box the tolerance spans.
int64_t within(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b, const img::Geometry& g, double tol,
               int64_t& total) {
  const auto& s = g.size;
  int64_t r[3];
  for (int d = 0; d < 3; ++d) r[d] = static_cast<int64_t>(std::floor(tol / g.spacing[d]));
  int64_t hit = 0;
  total = 0;
  for (int64_t k = 0; k < s[2]; ++k)
    for (int64_t j = 0; j < s[1]; ++j)
      for (int64_t i = 0; i < s[0]; ++i) {
        if (!a[static_cast<size_t>(i + s[0] * (j + s[1] * k))]) continue;
        ++total;
        bool found = false;
        for (int64_t dk = -r[2]; dk <= r[2] && !found; ++dk)
          for (int64_t dj = -r[1]; dj <= r[1] && !found; ++dj)
            for (int64_t di = -r[0]; di <= r[0] && !found; ++di) {
              const int64_t x = i + di, y = j + dj, z = k + dk;
              if (x < 0 || y < 0 || z < 0 || x >= s[0] || y >= s[1] || z >= s[2]) continue;
              if (!b[static_cast<size_t>(x + s[0] * (y + s[1] * z))]) continue;
              const double d2 = std::pow(di * g.spacing[0], 2) + std::pow(dj * g.spacing[1], 2) + std::pow(dk * g.spacing[2], 2);
              found = d2 <= tol * tol + 1e-9;
            }
        hit += found;
      }
  return hit;
}

}  // namespace

double surface_dice(const img::Volume& pred, const img::Volume& gt, int label, double tol) {
  const auto& g = gt.geometry;
  std::vector<uint8_t> p(gt.voxels.size()), q(gt.voxels.size());
  int64_t np = 0, nq = 0;
  for (size_t i = 0; i < q.size(); ++i) {
    p[i] = pred.voxels[i] > 0.5f;
    q[i] = std::lround(gt.voxels[i]) == label;
    np += p[i];
    nq += q[i];
  }
  if (np == 0 && nq == 0) return std::numeric_limits<double>::quiet_NaN();
  if (np == 0 || nq == 0) return 0.0;
  auto sp = surface(p, g.size), sq = surface(q, g.size);
  int64_t tp = 0, tq = 0;
  const int64_t hp = within(sp, sq, g, tol, tp), hq = within(sq, sp, g, tol, tq);
  return double(hp + hq) / double(tp + tq);
}

}  // namespace labkit::seganypet_infer
