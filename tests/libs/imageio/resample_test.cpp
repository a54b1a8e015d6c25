// Resampling checked analytically: trilinear interpolation reproduces a linear ramp exactly, and
// nearest-neighbour up- then down-sampling of labels is lossless.
#include <gtest/gtest.h>

#include <cmath>

#include "labkit/imageio/image.h"

namespace labkit::imageio {
namespace {

Geometry rotated_grid() {
  const double a = 25 * M_PI / 180;
  Geometry g;
  g.size = {20, 15, 10};
  g.spacing = {2.0, 3.0, 4.0};
  g.origin = {10.0, -5.0, 3.0};
  g.direction = {std::cos(a), -std::sin(a), 0, std::sin(a), std::cos(a), 0, 0, 0, 1};
  return g;
}

// value = world x of the voxel centre: linear in the index, so linear interpolation is exact.
Volume ramp(const Geometry& g) {
  Volume v = make_volume(g);
  for (int64_t k = 0; k < g.size[2]; ++k)
    for (int64_t j = 0; j < g.size[1]; ++j)
      for (int64_t i = 0; i < g.size[0]; ++i)
        v.at(i, j, k) = static_cast<float>(index_to_world(g, {double(i), double(j), double(k)})[0]);
  return v;
}

TEST(Resample, LinearRampIsReproducedAtNewVoxelCentres) {
  const Volume v = ramp(rotated_grid());
  const Volume r = resample(v, {1.5, 2.5, 3.0});
  EXPECT_EQ(r.geometry.size, (std::array<int64_t, 3>{27, 18, 13}));  // round(n * s / s')
  EXPECT_EQ(r.geometry.origin, v.geometry.origin);
  EXPECT_EQ(r.geometry.direction, v.geometry.direction);
  int checked = 0;
  for (int64_t k = 0; k < r.geometry.size[2]; ++k)
    for (int64_t j = 0; j < r.geometry.size[1]; ++j)
      for (int64_t i = 0; i < r.geometry.size[0]; ++i) {
        const auto w = index_to_world(r.geometry, {double(i), double(j), double(k)});
        const auto src = world_to_index(v.geometry, w);
        bool inside = true;  // within the source's voxel centres, where interpolation is pure
        for (int a = 0; a < 3; ++a) inside &= src[a] >= 0 && src[a] <= v.geometry.size[a] - 1;
        if (!inside) continue;
        ASSERT_NEAR(r.at(i, j, k), w[0], 2e-4) << i << "," << j << "," << k;
        ++checked;
      }
  EXPECT_GT(checked, 27 * 18 * 13 / 2);
}

TEST(Resample, OutsideTheInputIsZero) {
  const Volume v = ramp(rotated_grid());
  Geometry far = v.geometry;
  far.origin = {1000, 1000, 1000};
  const Volume r = resample_to(v, far, Interpolation::kLinear);
  for (float x : r.voxels) ASSERT_EQ(x, 0.0f);
}

TEST(Resample, SameGridIsIdentity) {
  const Volume v = ramp(rotated_grid());
  EXPECT_EQ(resample_to(v, v.geometry, Interpolation::kLinear).voxels, v.voxels);
  EXPECT_EQ(resample_to(v, v.geometry, Interpolation::kNearest).voxels, v.voxels);
}

TEST(Resample, NearestLabelsUpsampledThenBackAreUnchanged) {
  const Geometry g = rotated_grid();
  Volume labels = make_volume(g);
  for (int64_t k = 0; k < g.size[2]; ++k)
    for (int64_t j = 0; j < g.size[1]; ++j)
      for (int64_t i = 0; i < g.size[0]; ++i) labels.at(i, j, k) = float((i / 3 + 2 * (j / 4) + 5 * (k / 2)) % 7);
  for (double factor : {0.5, 0.4}) {  // exact and non-integer upsampling
    const Volume up = resample(labels, {g.spacing[0] * factor, g.spacing[1] * factor, g.spacing[2] * factor},
                               Interpolation::kNearest);
    for (float x : up.voxels) ASSERT_EQ(x, std::round(x));  // no blending of labels
    const Volume back = resample_to(up, g, Interpolation::kNearest);
    EXPECT_TRUE(same_geometry(back.geometry, g));
    EXPECT_EQ(back.voxels, labels.voxels) << "factor " << factor;
  }
}

}  // namespace
}  // namespace labkit::imageio
