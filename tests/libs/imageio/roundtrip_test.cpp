// Write then read back in every supported format: geometry and voxels must survive unchanged, and no
// temporary file may be left beside the output.
#include <gtest/gtest.h>

#include <set>

#include "labkit/core/error.h"
#include "labkit/imageio/image.h"
#include "test_support.h"

namespace labkit::imageio {
namespace {

using testing::medical;
using testing::TempDir;

std::set<std::string> listing(const TempDir& dir) {
  std::set<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) names.insert(e.path().filename().string());
  return names;
}

class RoundTrip : public ::testing::TestWithParam<std::string> {};

TEST_P(RoundTrip, CtKeepsGeometryAndVoxels) {
  const Volume ct = read_volume(medical("example_ct_sm.nii.gz"));
  TempDir dir;
  const std::string name = "ct" + GetParam();
  for (PixelType as : {PixelType::kFloat32, PixelType::kInt16}) {
    write_volume(ct, dir / name, as);
    const ImageInfo info = read_info(dir / name);
    EXPECT_EQ(info.pixel_type, as == PixelType::kInt16 ? "int16" : "float32");
    const Volume back = read_volume(dir / name);
    EXPECT_TRUE(same_geometry(back.geometry, ct.geometry, 1e-5)) << name;
    EXPECT_EQ(back.voxels, ct.voxels) << name;
  }
  std::set<std::string> expect = {name};
  if (GetParam() == ".mhd") expect.insert("ct.raw");
  EXPECT_EQ(listing(dir), expect);
}

INSTANTIATE_TEST_SUITE_P(Formats, RoundTrip, ::testing::Values(".nii.gz", ".nii", ".mha", ".mhd", ".nrrd"),
                         [](const auto& p) { return p.param.substr(p.param.rfind('.') + 1); });

TEST(RoundTripMask, Uint8) {
  const Volume ct = read_volume(medical("example_ct_sm.nii.gz"));
  Volume mask = ct;
  size_t ones = 0;
  for (float& x : mask.voxels) ones += (x = x > 0.0f ? 1.0f : 0.0f) > 0;
  ASSERT_GT(ones, 0u);
  TempDir dir;
  for (const char* name : {"mask.nii.gz", "mask.nrrd"}) {
    write_volume(mask, dir / name, PixelType::kUInt8);
    EXPECT_EQ(read_info(dir / name).pixel_type, "uint8");
    const Volume back = read_volume(dir / name);
    EXPECT_TRUE(same_geometry(back.geometry, mask.geometry, 1e-5));
    EXPECT_EQ(back.voxels, mask.voxels);
  }
}

TEST(RoundTripCast, IntegerTypesRoundAndClamp) {
  Geometry g;
  g.size = {6, 1, 1};
  Volume v = make_volume(g);
  v.voxels = {1.4f, 1.6f, -3.6f, 300.0f, 40000.0f, -40000.0f};
  TempDir dir;
  write_volume(v, dir / "u8.nii", PixelType::kUInt8);
  EXPECT_EQ(read_volume(dir / "u8.nii").voxels, (std::vector<float>{1, 2, 0, 255, 255, 0}));
  write_volume(v, dir / "i16.mha", PixelType::kInt16);
  EXPECT_EQ(read_volume(dir / "i16.mha").voxels, (std::vector<float>{1, 2, -4, 300, 32767, -32768}));
}

// Bug: "img.nii.gz" could not be written: the temporary name ".tmp.<pid>.img.nii.gz" made ITK's NIfTI
// writer produce an Analyze .hdr/.img pair, and the rename failed.
TEST(RoundTripNames, FileNamesThatLookLikeOtherFormats) {
  Geometry g;
  g.size = {5, 4, 3};
  Volume v = make_volume(g, 2.5f);
  TempDir dir;
  for (const char* name : {"img.nii.gz", "img.nii", "scan.hdr.nii.gz", "a.b.c.nii.gz", "img.mhd", "hdr.nrrd"}) {
    write_volume(v, dir / name);
    EXPECT_EQ(read_volume(dir / name).voxels, v.voxels) << name;
  }
  for (const auto& n : listing(dir)) EXPECT_EQ(n.find("tmp"), std::string::npos) << n;
}

TEST(RoundTripErrors, UnknownExtensionAndBadVolume) {
  TempDir dir;
  Volume v = make_volume(Geometry{});
  EXPECT_THROW(write_volume(v, dir / "x.png"), InputError);
  v.voxels.push_back(1.0f);
  EXPECT_THROW(write_volume(v, dir / "x.nii"), std::invalid_argument);
  EXPECT_TRUE(listing(dir).empty());
}

}  // namespace
}  // namespace labkit::imageio
