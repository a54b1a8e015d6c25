// Resampling by direct evaluation: each target voxel centre is mapped to a continuous source index.
// Semantics follow ITK's ResampleImageFilter: inside means the index rounds into the grid
// ([-0.5, n-0.5) per axis), linear weights clamp neighbours at the border, outside -> 0.
#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "labkit/imageio/image.h"

namespace labkit::imageio {
namespace {

float sample_nearest(const Volume& v, const std::array<double, 3>& c) {
  const auto& n = v.geometry.size;
  int64_t idx[3];
  for (int a = 0; a < 3; ++a) {
    idx[a] = static_cast<int64_t>(std::floor(c[a] + 0.5));
    if (idx[a] < 0 || idx[a] >= n[a]) return 0.0f;
  }
  return v.at(idx[0], idx[1], idx[2]);
}

float sample_linear(const Volume& v, const std::array<double, 3>& c) {
  const auto& n = v.geometry.size;
  int64_t lo[3], hi[3];
  double w[3];
  for (int a = 0; a < 3; ++a) {
    if (c[a] < -0.5 || c[a] >= n[a] - 0.5) return 0.0f;
    const double f = std::floor(c[a]);
    w[a] = c[a] - f;
    lo[a] = std::clamp<int64_t>(static_cast<int64_t>(f), 0, n[a] - 1);
    hi[a] = std::clamp<int64_t>(static_cast<int64_t>(f) + 1, 0, n[a] - 1);
  }
  double sum = 0.0;
  for (int corner = 0; corner < 8; ++corner) {
    const bool bx = corner & 1, by = corner & 2, bz = corner & 4;
    const double weight = (bx ? w[0] : 1 - w[0]) * (by ? w[1] : 1 - w[1]) * (bz ? w[2] : 1 - w[2]);
    if (weight == 0.0) continue;
    sum += weight * v.at(bx ? hi[0] : lo[0], by ? hi[1] : lo[1], bz ? hi[2] : lo[2]);
  }
  return static_cast<float>(sum);
}

}  // namespace

Volume resample_to(const Volume& v, const Geometry& target, Interpolation interp) {
  Volume out = make_volume(target);
  // The target index -> source index map is affine: precompute its origin and per-axis steps.
  const auto c0 = world_to_index(v.geometry, index_to_world(target, {0, 0, 0}));
  std::array<std::array<double, 3>, 3> step{};
  for (int a = 0; a < 3; ++a) {
    std::array<double, 3> e{0, 0, 0};
    e[a] = 1.0;
    const auto ca = world_to_index(v.geometry, index_to_world(target, e));
    for (int b = 0; b < 3; ++b) step[a][b] = ca[b] - c0[b];
  }
  size_t o = 0;
  for (int64_t k = 0; k < target.size[2]; ++k)
    for (int64_t j = 0; j < target.size[1]; ++j)
      for (int64_t i = 0; i < target.size[0]; ++i, ++o) {
        std::array<double, 3> c;
        for (int b = 0; b < 3; ++b) c[b] = c0[b] + i * step[0][b] + j * step[1][b] + k * step[2][b];
        out.voxels[o] = interp == Interpolation::kNearest ? sample_nearest(v, c) : sample_linear(v, c);
      }
  return out;
}

Volume resample(const Volume& v, std::array<double, 3> new_spacing, Interpolation interp) {
  Geometry target = v.geometry;
  for (int a = 0; a < 3; ++a) {
    if (!(new_spacing[a] > 0.0)) throw std::invalid_argument("resample: spacing must be positive");
    const double extent = static_cast<double>(v.geometry.size[a]) * v.geometry.spacing[a];
    target.size[a] = std::max<int64_t>(1, std::llround(extent / new_spacing[a]));
    target.spacing[a] = new_spacing[a];
  }
  return resample_to(v, target, interp);
}

Volume make_volume(const Geometry& g, float fill) {
  Volume v;
  v.geometry = g;
  v.voxels.assign(static_cast<size_t>(voxel_count(g)), fill);
  return v;
}

}  // namespace labkit::imageio
