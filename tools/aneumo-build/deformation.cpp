#include "deformation.h"

#include <algorithm>
#include <cmath>
#include <random>

#include "labkit/core/error.h"
#include "vec3.h"

namespace labkit::aneumo_build {

namespace {

struct Field {
  std::vector<Vec3> dirs;
  std::vector<double> weights;
  double scale = 1;
  double at(const Vec3& u) const {
    double g = 0;
    for (size_t k = 0; k < dirs.size(); ++k) g += weights[k] * std::exp((dot(u, dirs[k]) - 1) / (0.5 * 0.5));
    return g * scale;
  }
};

Field random_field(std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> n(0, 1);
  std::uniform_real_distribution<double> w(-1, 1);
  Field f;
  for (int k = 0; k < 6; ++k) {
    f.dirs.push_back(normalised({n(rng), n(rng), n(rng)}));
    f.weights.push_back(w(rng));
  }
  // Normalise max |g| to 0.5 over a Fibonacci sphere of directions.
  double peak = 0;
  for (int i = 0; i < 2000; ++i) {
    const double z = 1 - 2 * (i + 0.5) / 2000, r = std::sqrt(1 - z * z), phi = i * 2.39996322972865332;
    peak = std::max(peak, std::abs(f.at({r * std::cos(phi), r * std::sin(phi), z})));
  }
  f.scale = peak > 0 ? 0.5 / peak : 0;
  return f;
}

}  // namespace

DeformationResult deform_sac(const Domain& a, const Domain& parent, const DeformationSpec& spec) {
  const Grid& g = a.grid;
  std::vector<Vec3> neck, sac;
  std::vector<std::uint8_t> in_sac(a.mask.size(), 0);
  for (int64_t k = 0; k < g.size[2]; ++k)
    for (int64_t j = 0; j < g.size[1]; ++j)
      for (int64_t i = 0; i < g.size[0]; ++i) {
        const int64_t idx = g.index(i, j, k);
        if (!a.mask[idx] || parent.mask[idx]) continue;
        in_sac[idx] = 1;
        sac.push_back(g.centre_mm(i, j, k));
        const int64_t nb[6][3] = {{i - 1, j, k}, {i + 1, j, k}, {i, j - 1, k}, {i, j + 1, k}, {i, j, k - 1}, {i, j, k + 1}};
        for (const auto& n : nb)
          if (n[0] >= 0 && n[1] >= 0 && n[2] >= 0 && n[0] < g.size[0] && n[1] < g.size[1] && n[2] < g.size[2] &&
              parent.mask[g.index(n[0], n[1], n[2])])
            neck.push_back(scale(add(sac.back(), g.centre_mm(n[0], n[1], n[2])), 0.5));
      }
  if (sac.empty() || neck.empty()) throw InputError("deformation: the aneurysm mask has no sac over its parent");
  Vec3 c{0, 0, 0}, sc{0, 0, 0};
  for (const auto& p : neck) c = add(c, scale(p, 1.0 / neck.size()));
  for (const auto& p : sac) sc = add(sc, scale(p, 1.0 / sac.size()));
  const Vec3 axis = normalised(sub(sc, c));
  const Field field = random_field(spec.seed);
  auto weight = [&](double h) {
    const double t = std::clamp(h / spec.band_mm, 0.0, 1.0);
    return t * t * (3 - 2 * t);
  };
  DeformationResult out;
  out.mask.grid = g;
  out.mask.mask = parent.mask;
  for (int64_t k = 0; k < g.size[2]; ++k)
    for (int64_t j = 0; j < g.size[1]; ++j)
      for (int64_t i = 0; i < g.size[0]; ++i) {
        const Vec3 x = g.centre_mm(i, j, k), d = sub(x, c);
        const double h = dot(d, axis), r = norm(d);
        if (h <= 0 || r == 0) {  // below the neck plane: unchanged
          out.mask.mask[g.index(i, j, k)] |= in_sac[g.index(i, j, k)];
          continue;
        }
        const double s = 1 + spec.amplitude * field.at(scale(d, 1 / r)) * weight(h);
        const Vec3 x0 = add(c, scale(d, 1 / s));
        const auto q = std::array<double, 3>{(x0[0] - g.origin_mm[0]) / g.spacing_mm, (x0[1] - g.origin_mm[1]) / g.spacing_mm,
                                             (x0[2] - g.origin_mm[2]) / g.spacing_mm};
        const int64_t qi = std::llround(q[0]), qj = std::llround(q[1]), qk = std::llround(q[2]);
        if (qi < 0 || qj < 0 || qk < 0 || qi >= g.size[0] || qj >= g.size[1] || qk >= g.size[2]) continue;
        if (in_sac[g.index(qi, qj, qk)]) out.mask.mask[g.index(i, j, k)] = 1;
      }
  // The warped sac must not touch the grid faces: such voxels are removed and counted.
  for (int64_t k = 0; k < g.size[2]; ++k)
    for (int64_t j = 0; j < g.size[1]; ++j)
      for (int64_t i = 0; i < g.size[0]; ++i) {
        const bool edge = i == 0 || j == 0 || k == 0 || i == g.size[0] - 1 || j == g.size[1] - 1 || k == g.size[2] - 1;
        const int64_t idx = g.index(i, j, k);
        if (edge && out.mask.mask[idx] && !parent.mask[idx]) {
          out.mask.mask[idx] = 0;  // a sac reaching the grid face would open a spurious outlet
          ++out.clipped;
        }
      }
  return out;
}

}  // namespace labkit::aneumo_build
