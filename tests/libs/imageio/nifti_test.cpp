// Real NIfTI files: header facts and voxels against the documented affines (nibabel's RAS converted to
// ITK's LPS by negating the first two rows) and voxel values printed by nibabel.
#include <gtest/gtest.h>

#include <numeric>

#include "labkit/core/error.h"
#include "labkit/imageio/image.h"
#include "test_support.h"

namespace labkit::imageio {
namespace {

using testing::medical;

// RAS affine rows (3x4) -> expected LPS origin and row-major direction (columns unit length).
void expect_affine(const Geometry& g, const double ras[3][4], double tol) {
  for (int r = 0; r < 3; ++r) {
    const double sign = r < 2 ? -1.0 : 1.0;
    EXPECT_NEAR(g.origin[r], sign * ras[r][3], tol) << "origin " << r;
    for (int c = 0; c < 3; ++c)
      EXPECT_NEAR(g.direction[3 * r + c] * g.spacing[c], sign * ras[r][c], tol) << "affine " << r << "," << c;
  }
}

double sum(const Volume& v) { return std::accumulate(v.voxels.begin(), v.voxels.end(), 0.0); }

TEST(Nifti, CtInfo) {
  const ImageInfo info = read_info(medical("example_ct_sm.nii.gz"));
  EXPECT_EQ(info.path, medical("example_ct_sm.nii.gz"));
  EXPECT_EQ(info.format, "NIfTI");
  EXPECT_EQ(info.dimension, 3);
  EXPECT_EQ(info.size, (std::vector<int64_t>{122, 101, 30}));
  EXPECT_EQ(info.spacing, (std::vector<double>{3, 3, 3}));
  EXPECT_EQ(info.pixel_type, "int16");
  EXPECT_EQ(info.components, 1);
  // Documented: origin (-177.9563, 11.319, 94.3018) RAS -> (177.9563, -11.319, 94.3018) LPS.
  EXPECT_NEAR(info.origin[0], 177.9563, 1e-3);
  EXPECT_NEAR(info.origin[1], -11.319, 1e-3);
  EXPECT_NEAR(info.origin[2], 94.3018, 1e-3);
  EXPECT_EQ(info.direction, (std::vector<double>{-1, 0, 0, 0, -1, 0, 0, 0, 1}));
}

TEST(Nifti, CtVolume) {
  const Volume v = read_volume(medical("example_ct_sm.nii.gz"));
  EXPECT_EQ(v.geometry.size, (std::array<int64_t, 3>{122, 101, 30}));
  const double ras[3][4] = {{3, 0, 0, -177.9563}, {0, 3, 0, 11.319}, {0, 0, 3, 94.3018}};
  expect_affine(v.geometry, ras, 1e-3);
  EXPECT_EQ(orientation_code(v.geometry), "RAS");
  // Values from nibabel: data[1,2,3], data[10,20,5], data.sum() (float64).
  EXPECT_EQ(v.at(1, 2, 3), -1023.0f);
  EXPECT_EQ(v.at(10, 20, 5), -985.0f);
  EXPECT_DOUBLE_EQ(sum(v), -130894872.0);
}

TEST(Nifti, BigEndianAnatomical) {
  const ImageInfo info = read_info(medical("anatomical.nii"));
  EXPECT_EQ(info.pixel_type, "int16");
  const Volume v = read_volume(medical("anatomical.nii"));
  EXPECT_EQ(v.geometry.size, (std::array<int64_t, 3>{33, 41, 25}));
  EXPECT_EQ(v.geometry.spacing, (std::array<double, 3>{2, 2, 2}));
  const double ras[3][4] = {{-2, 0, 0, 32}, {0, 2, 0, -40}, {0, 0, 2, -16}};
  expect_affine(v.geometry, ras, 1e-6);
  EXPECT_EQ(orientation_code(v.geometry), "LAS");  // nibabel aff2axcodes: ('L', 'A', 'S')
  EXPECT_EQ(v.at(1, 2, 3), 9798.0f);               // nibabel values, as above
  EXPECT_EQ(v.at(10, 20, 5), 8577.0f);
  EXPECT_DOUBLE_EQ(sum(v), 284166082.0);
}

TEST(Nifti, FourDInfoAndRefusal) {
  const std::string path = medical("example4d.nii.gz");
  const ImageInfo info = read_info(path);
  EXPECT_EQ(info.dimension, 4);
  EXPECT_EQ(info.size, (std::vector<int64_t>{128, 96, 24, 2}));
  EXPECT_NEAR(info.spacing[0], 2.0, 1e-6);
  EXPECT_NEAR(info.spacing[2], 2.2, 1e-5);
  // nibabel affine (sform, oblique), RAS: rows [-2,0,0,117.8551], [0,1.973711,-0.3555282,-35.72294],
  // [0,0.3232076,2.171082,-7.248798]; in the 4x4 row-major LPS direction the first two rows flip sign.
  const int n = 4;
  EXPECT_NEAR(info.origin[0], -117.8551, 1e-3);
  EXPECT_NEAR(info.origin[1], 35.72294, 1e-3);
  EXPECT_NEAR(info.origin[2], -7.248798, 1e-3);
  EXPECT_NEAR(info.direction[0 * n + 0] * info.spacing[0], 2.0, 1e-3);
  EXPECT_NEAR(info.direction[1 * n + 1] * info.spacing[1], -1.973711, 1e-3);
  EXPECT_NEAR(info.direction[1 * n + 2] * info.spacing[2], 0.3555282, 1e-3);
  EXPECT_NEAR(info.direction[2 * n + 1] * info.spacing[1], 0.3232076, 1e-3);
  EXPECT_NEAR(info.direction[2 * n + 2] * info.spacing[2], 2.171082, 1e-3);
  try {
    read_volume(path);
    FAIL() << "read_volume accepted a 4D image";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), path + ": expected a 3D scalar image, got a 4D 128x96x24x2 image");
  }
}

}  // namespace
}  // namespace labkit::imageio
