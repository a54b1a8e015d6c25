// Geometry maps, orientation codes and reorientation on synthetic grids (no files).
#include <gtest/gtest.h>

#include <cmath>

#include "labkit/core/error.h"
#include "labkit/imageio/image.h"

namespace labkit::imageio {
namespace {

// A grid rotated 30 degrees about z then 10 degrees about x: oblique but clearly closest to LPS.
Geometry oblique_grid() {
  const double a = 30 * M_PI / 180, b = 10 * M_PI / 180;
  const double rz[9] = {std::cos(a), -std::sin(a), 0, std::sin(a), std::cos(a), 0, 0, 0, 1};
  const double rx[9] = {1, 0, 0, 0, std::cos(b), -std::sin(b), 0, std::sin(b), std::cos(b)};
  Geometry g;
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c) {
      double s = 0;
      for (int k = 0; k < 3; ++k) s += rx[3 * r + k] * rz[3 * k + c];
      g.direction[3 * r + c] = s;
    }
  g.size = {7, 5, 4};
  g.spacing = {1.5, 2.0, 3.25};
  g.origin = {-12.5, 40.0, 7.75};
  return g;
}

TEST(Geometry, IndexToWorldMatchesDefinitionAndInverts) {
  const Geometry g = oblique_grid();
  const std::array<double, 3> ijk = {2.0, 3.5, -1.25};
  const auto w = index_to_world(g, ijk);
  for (int r = 0; r < 3; ++r) {
    double expect = g.origin[r];
    for (int c = 0; c < 3; ++c) expect += g.direction[3 * r + c] * g.spacing[c] * ijk[c];
    EXPECT_NEAR(w[r], expect, 1e-12);
  }
  const auto back = world_to_index(g, w);
  for (int a = 0; a < 3; ++a) EXPECT_NEAR(back[a], ijk[a], 1e-12);
}

TEST(Geometry, OrientationCodes) {
  Geometry g;
  EXPECT_EQ(orientation_code(g), "LPS");  // ITK identity
  g.direction = {-1, 0, 0, 0, -1, 0, 0, 0, 1};
  EXPECT_EQ(orientation_code(g), "RAS");  // nibabel's identity affine
  g.direction = {0, 0, 1, -1, 0, 0, 0, -1, 0};  // axis0 -> A, axis1 -> I, axis2 -> L
  EXPECT_EQ(orientation_code(g), "AIL");
  EXPECT_EQ(orientation_code(oblique_grid()), "LPS");
}

TEST(Geometry, SameGeometryUsesTolerance) {
  Geometry a = oblique_grid(), b = a;
  b.origin[1] += 1e-8;
  EXPECT_TRUE(same_geometry(a, b));
  b.origin[1] += 1e-3;
  EXPECT_FALSE(same_geometry(a, b));
  EXPECT_TRUE(same_geometry(a, b, 1e-2));
  b = a;
  b.size[2] = 5;
  EXPECT_FALSE(same_geometry(a, b, 1.0));
}

Volume numbered(const Geometry& g) {
  Volume v = make_volume(g);
  for (size_t i = 0; i < v.voxels.size(); ++i) v.voxels[i] = static_cast<float>(i);
  return v;
}

// Every voxel of `r` sits at the world position of the voxel of `v` holding the same value.
void expect_same_world_positions(const Volume& v, const Volume& r) {
  const auto& n = r.geometry.size;
  for (int64_t k = 0; k < n[2]; ++k)
    for (int64_t j = 0; j < n[1]; ++j)
      for (int64_t i = 0; i < n[0]; ++i) {
        const auto w = index_to_world(r.geometry, {double(i), double(j), double(k)});
        const auto src = world_to_index(v.geometry, w);
        int64_t s[3];
        for (int a = 0; a < 3; ++a) {
          s[a] = std::llround(src[a]);
          ASSERT_NEAR(src[a], double(s[a]), 1e-9);
        }
        ASSERT_EQ(r.at(i, j, k), v.at(s[0], s[1], s[2]));
      }
}

TEST(Reorient, ToRasAndBackKeepsWorldPositions) {
  const Volume v = numbered(oblique_grid());
  const Volume ras = reorient(v, "RAS");
  EXPECT_EQ(orientation_code(ras.geometry), "RAS");
  expect_same_world_positions(v, ras);
  const Volume back = reorient(ras, orientation_code(v.geometry));
  EXPECT_TRUE(same_geometry(back.geometry, v.geometry, 1e-9));
  EXPECT_EQ(back.voxels, v.voxels);
}

TEST(Reorient, PermutesAxes) {
  const Volume v = numbered(oblique_grid());
  const Volume r = reorient(v, "SAR");  // z axis first, y and x reversed
  EXPECT_EQ(orientation_code(r.geometry), "SAR");
  expect_same_world_positions(v, r);
  EXPECT_EQ(r.geometry.size, (std::array<int64_t, 3>{4, 5, 7}));
}

TEST(Reorient, RejectsBadCodes) {
  const Volume v = numbered(oblique_grid());
  EXPECT_THROW(reorient(v, "RAX"), InputError);
  EXPECT_THROW(reorient(v, "RLS"), InputError);
  EXPECT_THROW(reorient(v, "RA"), InputError);
}

}  // namespace
}  // namespace labkit::imageio
