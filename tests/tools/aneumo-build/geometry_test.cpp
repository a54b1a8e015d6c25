// Geometry: generated aneurysms against their construction, masks through NIfTI and .npy, the surface.
#include <gtest/gtest.h>

#include <cstdio>

#include <cstring>
#include <fstream>

#include "labkit/core/error.h"
#include "deformation.h"
#include "mask_io.h"
#include "morphometrics.h"
#include "npy_reader.h"
#include "prism_surface.h"
#include "shapes.h"
#include "surface.h"
#include "test_shapes.h"
#include "temp_dir.h"

namespace ab = labkit::aneumo_build;

namespace {

ab::ShapeSpec aneurysm(double neck, double ar) {
  return ab::test::aneurysm_spec(12, neck, ar);
}

std::string npy_bytes(const std::string& descr, const std::string& shape, const std::string& data) {
  std::string h = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
  while ((10 + h.size() + 1) % 64) h += ' ';
  h += '\n';
  std::string b = "\x93NUMPY\x01";
  b += '\0';
  b += static_cast<char>(h.size() & 0xff);
  b += static_cast<char>(h.size() >> 8);
  return b + h + data;
}

}  // namespace

// The sac's measured neck, height and aspect ratio match the construction within a voxel or two.
TEST(AneumoMorphometrics, GeneratedSacMatchesItsConstruction) {
  const auto shape = ab::make_shape(aneurysm(2.4, 1.25));
  const auto d = ab::voxelise(shape, 0.15), parent = ab::voxelise(shape, 0.15, true);
  const auto m = ab::sac_morphometrics(d, parent);
  EXPECT_NEAR(m.neck_width_mm, 2.4, 0.45);  // the neck lies on the curved parent wall
  EXPECT_NEAR(m.height_mm, 3.0, 0.3);
  EXPECT_NEAR(m.aspect_ratio, 1.25, 0.25);
  EXPECT_GT(m.nsi, 0.0);
  EXPECT_LT(m.nsi, 0.35);
  EXPECT_TRUE(ab::morphometric_qc(m).empty());
  // A sphere cap of radius a and height H: V = pi H^2 (3a - H) / 3 outside the wall plane; the parent's
  // curvature removes a little of it.
  const double a = 0.5 * (3.0 + 2.4 * 2.4 / 12.0), H = 3.0;
  EXPECT_NEAR(m.volume_mm3 / (3.14159265 * H * H * (3 * a - H) / 3), 1.0, 0.2);
  // A spherical cap is convex; its smoothed staircase surface is nearly so.
  EXPECT_GE(m.ui, 0.0);
  EXPECT_LT(m.ui, 0.05);
  std::printf("generated sac: V %.3f mm^3, hull %.3f mm^3, UI %.4f\n", m.volume_mm3, m.hull_volume_mm3, m.ui);
}

// Convex hull volumes against exact values: a convex polyhedron is its own hull (UI 0), and a cube of
// side 2 with a unit cube cut from a corner (V = 7) has the hull 8 - 1/6 (the plane x + y + z = 5 cuts
// the missing corner's tetrahedron), so UI = 1 - 7 / (47/6) = 5/47.
TEST(AneumoMorphometrics, HullVolumeAndUndulationIndexOfKnownShapes) {
  const auto prism = aneumo_test::prism(true);
  const double hull = ab::convex_hull_volume_mm3(prism.points);
  EXPECT_NEAR(hull / aneumo_test::prism_volume(), 1.0, 1e-9);
  EXPECT_NEAR(ab::undulation_index(ab::enclosed_volume_mm3(prism), hull), 0.0, 1e-9);
  std::vector<double> notched;
  for (int x = 0; x <= 2; ++x)
    for (int y = 0; y <= 2; ++y)
      for (int z = 0; z <= 2; ++z)
        if (!(x == 2 && y == 2 && z == 2)) notched.insert(notched.end(), {double(x), double(y), double(z)});
  const double notched_hull = ab::convex_hull_volume_mm3(notched);
  EXPECT_NEAR(notched_hull, 8.0 - 1.0 / 6, 1e-9);
  EXPECT_NEAR(ab::undulation_index(7.0, notched_hull), 5.0 / 47, 1e-9);
  EXPECT_EQ(ab::convex_hull_volume_mm3({0, 0, 0, 1, 0, 0, 0, 1, 0, 1, 1, 0}), 0.0);  // coplanar
}

TEST(AneumoMorphometrics, QcRejectsImpossibleValues) {
  ab::Morphometrics m;
  m.sac_voxels = 10;
  m.nsi = -0.41;  // the released MPs.csv minimum
  m.aspect_ratio = 14.15;
  m.bottleneck_factor = 15.66;
  EXPECT_EQ(ab::morphometric_qc(m).size(), 3u);
  m.ui = -1.639;  // the released MPs.csv minimum
  EXPECT_EQ(ab::morphometric_qc(m).size(), 4u);
}

TEST(AneumoShapes, AneurysmRaisesAParentWhosePartsAreKnown) {
  const auto shape = ab::make_shape(aneurysm(2.0, 1.0));
  const auto d = ab::voxelise(shape, 0.25), parent = ab::voxelise(shape, 0.25, true);
  EXPECT_GT(d.fluid_count(), parent.fluid_count());
  for (size_t i = 0; i < d.mask.size(); ++i) ASSERT_TRUE(!parent.mask[i] || d.mask[i]);  // parent inside
  EXPECT_THROW(ab::make_shape(aneurysm(5.0, 1.0)), labkit::InputError);                 // neck > 1.2 D
}

TEST(AneumoShapes, SameSpecGivesBitIdenticalMasks) {
  const auto a = ab::voxelise(ab::make_shape(aneurysm(2.0, 1.3)), 0.2);
  const auto b = ab::voxelise(ab::make_shape(aneurysm(2.0, 1.3)), 0.2);
  EXPECT_EQ(a.mask, b.mask);
  EXPECT_EQ(a.sdf_mm, b.sdf_mm);
}

TEST(AneumoMaskIo, NiftiRoundTripKeepsMaskAndMillimetreGeometry) {
  labkit::test::TempDir tmp("aneumo-nifti");
  auto d = ab::voxelise(ab::make_shape(aneurysm(2.0, 1.0)), 0.3);
  ab::write_mask_nifti(d, tmp / "m.nii.gz");
  const auto back = ab::read_mask(tmp / "m.nii.gz", {0.18, "ijk"});
  EXPECT_EQ(back.mask, d.mask);
  EXPECT_EQ(back.grid.size, d.grid.size);
  EXPECT_NEAR(back.grid.spacing_mm, 0.3, 1e-6);
  for (int a = 0; a < 3; ++a) EXPECT_NEAR(back.grid.origin_mm[a], d.grid.origin_mm[a], 1e-4);
}

TEST(AneumoMaskIo, NpyLayoutIsCOrderWithLastAxisFastest) {
  labkit::test::TempDir tmp("aneumo-npy");
  // shape (1, 1, 2, 3, 4) float32: value 1 only at array index [0,0,1,2,3] = voxel i=1, j=2, k=3.
  std::string data(2 * 3 * 4 * 4, '\0');
  const float one = 1.f;
  std::memcpy(&data[((1 * 3 + 2) * 4 + 3) * 4], &one, 4);
  std::ofstream(tmp / "m.npy", std::ios::binary) << npy_bytes("<f4", "(1, 1, 2, 3, 4)", data);
  const auto d = ab::read_mask(tmp / "m.npy", {0.18, "ijk"});
  ASSERT_EQ(d.grid.size, (std::array<int64_t, 3>{2, 3, 4}));
  EXPECT_EQ(d.fluid_count(), 1);
  EXPECT_EQ(d.mask[d.grid.index(1, 2, 3)], 1);
  EXPECT_NEAR(d.grid.spacing_mm, 0.18, 1e-12);
}

TEST(AneumoMaskIo, ReleasedCase4MaskReads) {
  const std::string path = std::string(LABKIT_SHARED_DATA_DIR) + "/aneumo/real_data_img_4.npy";
  if (!std::ifstream(path)) GTEST_SKIP() << "shared data missing: " << path;
  const auto d = ab::read_mask(path, {0.18, "ijk"});
  EXPECT_EQ(d.grid.size, (std::array<int64_t, 3>{44, 50, 42}));
  EXPECT_NEAR(double(d.fluid_count()) / d.grid.count(), 0.154, 0.002);  // 15.4 % lumen (reference notes)
}

TEST(AneumoNpyReader, BadFilesAreNamed) {
  auto msg = [](const std::string& bytes) {
    try {
      ab::parse_npy(bytes, "x.npy");
    } catch (const labkit::InputError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_EQ(msg("hello"), "x.npy: not a .npy file (bad magic)");
  EXPECT_NE(msg(npy_bytes("<f4", "(2, 2)", std::string(15, '\0'))).find("x.npy: npy data holds 15 bytes"), std::string::npos);
  EXPECT_NE(msg(npy_bytes(">f4", "(1,)", std::string(4, '\0'))).find("not supported"), std::string::npos);
  EXPECT_NE(msg(npy_bytes("<f4", "(99999999999, 99999999999)", "")).find("implausibly large"), std::string::npos);
}

TEST(AneumoSurface, PipeSurfaceIsClosedWithTheRightVolume) {
  const auto d = ab::voxelise(ab::make_shape(ab::test::pipe_spec(9)), 0.15);
  const auto st = ab::mask_surface(d.mask, d.grid, 20, "");
  EXPECT_TRUE(st.closed);
  // pi R^2 L with L = 9 mm + 2 margin voxels cut open at the ends (capped half a voxel beyond).
  const double expect = 3.14159265 * 1.5 * 1.5 * (d.grid.size[2] * 0.15);
  EXPECT_NEAR(st.volume_mm3 / expect, 1.0, 0.03);
}

namespace {
struct Pair {
  ab::Domain aneurysm, parent;
};
Pair sac_on_pipe() {
  auto shape = ab::make_shape(aneurysm(2.0, 1.2));
  for (int a = 0; a < 2; ++a) shape.box_lo[a] -= 1.5, shape.box_hi[a] += 1.5;
  return {ab::voxelise(shape, 0.2), ab::voxelise(shape, 0.2, true)};
}
}  // namespace

TEST(AneumoDeformation, SeededKeepsParentAndNeckAndChangesTheSac) {
  const auto p = sac_on_pipe();
  const auto a = ab::deform_sac(p.aneurysm, p.parent, {0.8, 0.75, 42});
  const auto b = ab::deform_sac(p.aneurysm, p.parent, {0.8, 0.75, 42});
  const auto c = ab::deform_sac(p.aneurysm, p.parent, {0.8, 0.75, 43});
  EXPECT_EQ(a.mask.mask, b.mask.mask);  // the same seed: bit-identical
  EXPECT_NE(a.mask.mask, c.mask.mask);
  EXPECT_EQ(a.clipped, 0);
  for (size_t i = 0; i < a.mask.mask.size(); ++i) ASSERT_TRUE(!p.parent.mask[i] || a.mask.mask[i]);  // parent kept
  const auto before = ab::sac_morphometrics(p.aneurysm, p.parent), after = ab::sac_morphometrics(a.mask, p.parent);
  EXPECT_NE(after.sac_voxels, before.sac_voxels);
  // The transition band pins the neck: its width moves by at most a voxel or two.
  EXPECT_NEAR(after.neck_width_mm, before.neck_width_mm, 0.45);
  // |g| <= 0.5 and A = 0.8: every radius scales by a factor in [0.6, 1.4], so the volume stays within
  // 0.6^3 .. 1.4^3 of the original.
  EXPECT_GT(after.volume_mm3, 0.216 * before.volume_mm3);
  EXPECT_LT(after.volume_mm3, 2.744 * before.volume_mm3);
  EXPECT_TRUE(ab::morphometric_qc(after).empty());
}
