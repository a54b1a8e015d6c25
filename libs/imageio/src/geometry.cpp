// Index <-> world maps and the orientation code; plain arithmetic, no ITK.
#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "labkit/imageio/geometry.h"

namespace labkit::imageio {

int64_t voxel_count(const Geometry& g) { return g.size[0] * g.size[1] * g.size[2]; }

std::array<double, 3> index_to_world(const Geometry& g, std::array<double, 3> ijk) {
  std::array<double, 3> w = g.origin;
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c) w[r] += g.direction[3 * r + c] * g.spacing[c] * ijk[c];
  return w;
}

std::array<double, 3> world_to_index(const Geometry& g, std::array<double, 3> xyz) {
  // Solve direction * (spacing .* ijk) = xyz - origin with the explicit 3x3 inverse (the direction
  // need not be orthogonal, as in ITK).
  const auto& d = g.direction;
  const double det = d[0] * (d[4] * d[8] - d[5] * d[7]) - d[1] * (d[3] * d[8] - d[5] * d[6]) +
                     d[2] * (d[3] * d[7] - d[4] * d[6]);
  if (std::abs(det) < 1e-12) throw std::invalid_argument("world_to_index: singular direction matrix");
  const std::array<double, 9> inv = {
      (d[4] * d[8] - d[5] * d[7]) / det, (d[2] * d[7] - d[1] * d[8]) / det, (d[1] * d[5] - d[2] * d[4]) / det,
      (d[5] * d[6] - d[3] * d[8]) / det, (d[0] * d[8] - d[2] * d[6]) / det, (d[2] * d[3] - d[0] * d[5]) / det,
      (d[3] * d[7] - d[4] * d[6]) / det, (d[1] * d[6] - d[0] * d[7]) / det, (d[0] * d[4] - d[1] * d[3]) / det};
  const std::array<double, 3> rel = {xyz[0] - g.origin[0], xyz[1] - g.origin[1], xyz[2] - g.origin[2]};
  std::array<double, 3> ijk{};
  for (int r = 0; r < 3; ++r) {
    double s = 0.0;
    for (int c = 0; c < 3; ++c) s += inv[3 * r + c] * rel[c];
    ijk[r] = s / g.spacing[r];
  }
  return ijk;
}

bool same_geometry(const Geometry& a, const Geometry& b, double tol) {
  if (a.size != b.size) return false;
  for (int i = 0; i < 3; ++i)
    if (std::abs(a.spacing[i] - b.spacing[i]) > tol || std::abs(a.origin[i] - b.origin[i]) > tol) return false;
  for (int i = 0; i < 9; ++i)
    if (std::abs(a.direction[i] - b.direction[i]) > tol) return false;
  return true;
}

std::string orientation_code(const Geometry& g) {
  // Pick the assignment of world axes to voxel axes with the largest total |cosine| (each world axis
  // once, so oblique ties never give a code like "LLS").
  std::array<int, 3> perm = {0, 1, 2}, best = perm;
  double best_score = -1.0;
  do {
    double s = 0.0;
    for (int c = 0; c < 3; ++c) s += std::abs(g.direction[3 * perm[c] + c]);
    if (s > best_score + 1e-12) best_score = s, best = perm;
  } while (std::next_permutation(perm.begin(), perm.end()));
  static const char kPositive[3] = {'L', 'P', 'S'};  // LPS world: +x left, +y posterior, +z superior
  static const char kNegative[3] = {'R', 'A', 'I'};
  std::string code(3, '?');
  for (int c = 0; c < 3; ++c) {
    const int r = best[c];
    code[c] = g.direction[3 * r + c] >= 0.0 ? kPositive[r] : kNegative[r];
  }
  return code;
}

}  // namespace labkit::imageio
