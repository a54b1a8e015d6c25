// Real single DICOM files (gzipped in the shared data), each unpacked into its own folder and read as a
// one-file series. Expected numbers come from the files' own tags, read with the independent
// tests/libs/imageio/dicom_tags.py (pure Python; no pydicom/gdcm here):
//  siemens_dwi_0: Rows = Columns = 896, PixelSpacing 1.796875\1.796875, SpacingBetweenSlices 3,
//    SliceThickness 2.5, ImagePositionPatient -805\-825.019119\-75.097641,
//    ImageOrientationPatient 1\0\0\0\0.999986\-0.005236, SeriesInstanceUID
//    1.3.12.2.1107.5.2.32.35119.2010011420292594820699190.0.0.0 (implicit VR).
//  philips_mprage (enhanced MR, one multi-frame file): NumberOfFrames 176, 256x256, PixelSpacing 1\1,
//    SpacingBetweenSlices 1, first frame's ImagePositionPatient
//    92.7090416119899\-125.12766968458\136.495256863534, ImageOrientationPatient
//    -0.0022011068649\0.99788552522659\-0.0649590045213\-0.0337935090065\-0.0649962872266\-0.9973131418228,
//    RescaleSlope 2.1079365079365.
#include <gtest/gtest.h>

#include <cmath>

#include "labkit/core/error.h"
#include "labkit/imageio/image.h"
#include "test_support.h"

namespace labkit::imageio {
namespace {

using testing::medical;
using testing::TempDir;

std::string unpack(const TempDir& dir, const std::string& gz) {
  std::filesystem::create_directory(dir / gz);
  testing::gunzip(medical(gz + ".dcm.gz"), dir / (gz + "/IM0001"));
  return dir / gz;
}

// Direction columns: row cosines, column cosines, then their cross product (the slice normal).
void expect_direction(const Geometry& g, const double iop[6], double tol) {
  const double n[3] = {iop[1] * iop[5] - iop[2] * iop[4], iop[2] * iop[3] - iop[0] * iop[5],
                       iop[0] * iop[4] - iop[1] * iop[3]};
  for (int r = 0; r < 3; ++r) {
    EXPECT_NEAR(g.direction[3 * r + 0], iop[r], tol);
    EXPECT_NEAR(g.direction[3 * r + 1], iop[3 + r], tol);
    EXPECT_NEAR(std::abs(g.direction[3 * r + 2]), std::abs(n[r]), tol);
  }
}

TEST(Dicom, SiemensSingleSlice) {
  TempDir dir;
  const std::string series = unpack(dir, "siemens_dwi_0");
  const ImageInfo info = read_info(series);
  EXPECT_EQ(info.format, "DICOM");
  EXPECT_EQ(info.size, (std::vector<int64_t>{896, 896, 1}));
  EXPECT_EQ(info.pixel_type, "uint16");

  const Volume v = read_volume(series);
  EXPECT_EQ(v.geometry.size, (std::array<int64_t, 3>{896, 896, 1}));
  EXPECT_NEAR(v.geometry.spacing[0], 1.796875, 1e-6);
  EXPECT_NEAR(v.geometry.spacing[1], 1.796875, 1e-6);
  EXPECT_NEAR(v.geometry.origin[0], -805.0, 1e-4);
  EXPECT_NEAR(v.geometry.origin[1], -825.019119, 1e-4);
  EXPECT_NEAR(v.geometry.origin[2], -75.097641, 1e-4);
  const double iop[6] = {1, 0, 0, 0, 0.999986, -0.005236};
  expect_direction(v.geometry, iop, 1e-5);
  // nibabel ships this file with its pixel data zeroed (dicom_tags.py / a byte count: 0 non-zero bytes
  // in the last 896*896*2), so the voxels are all 0.
  for (float x : v.voxels) ASSERT_EQ(x, 0.0f);
  EXPECT_EQ(read_volume(series, "1.3.12.2.1107.5.2.32.35119.2010011420292594820699190.0.0.0").voxels, v.voxels);
  EXPECT_THROW(read_volume(series, "1.2.3.4.5"), InputError);
}

TEST(Dicom, PhilipsEnhancedMultiFrame) {
  TempDir dir;
  const std::string series = unpack(dir, "philips_mprage");
  const Volume v = read_volume(series);
  EXPECT_EQ(v.geometry.size, (std::array<int64_t, 3>{256, 256, 176}));
  EXPECT_NEAR(v.geometry.spacing[0], 1.0, 1e-6);
  EXPECT_NEAR(v.geometry.spacing[1], 1.0, 1e-6);
  // Slice spacing from consecutive frame positions: 1.0000015 mm here (SpacingBetweenSlices says 1).
  EXPECT_NEAR(v.geometry.spacing[2], 1.0, 1e-5);
  EXPECT_NEAR(v.geometry.origin[0], 92.7090416119899, 1e-4);
  EXPECT_NEAR(v.geometry.origin[1], -125.12766968458, 1e-4);
  EXPECT_NEAR(v.geometry.origin[2], 136.495256863534, 1e-4);
  const double iop[6] = {-0.0022011068649, 0.99788552522659, -0.0649590045213,
                         -0.0337935090065, -0.0649962872266, -0.9973131418228};
  expect_direction(v.geometry, iop, 1e-5);
  // Rescale slope 2.1079365...: every stored integer comes back multiplied by it.
  const double slope = 2.1079365079365;
  for (size_t i = 0; i < v.voxels.size(); i += 9973) {
    const double stored = v.voxels[i] / slope;
    ASSERT_NEAR(stored, std::round(stored), 1e-3) << i;
  }
}

TEST(Dicom, NotADicomFolder) {
  TempDir dir;
  testing::spit(dir / "notes.txt", "hello");
  try {
    read_volume(dir.path().string());
    FAIL();
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), dir.path().string() + ": no DICOM series found in directory");
  }
  EXPECT_THROW(read_info(dir.path().string()), InputError);
}

}  // namespace
}  // namespace labkit::imageio
