// Hand-written NRRD files (plain-text header + raw data) exercise the 2D and vector-image paths.
#include <gtest/gtest.h>

#include <cstring>

#include "labkit/core/error.h"
#include "labkit/imageio/image.h"
#include "test_support.h"

namespace labkit::imageio {
namespace {

std::string floats(const std::vector<float>& v) {
  std::string s(v.size() * 4, '\0');
  std::memcpy(s.data(), v.data(), s.size());
  return s;
}

TEST(Nrrd, TwoDImageReadsAsOneSliceVolume) {
  testing::TempDir dir;
  testing::spit(dir / "flat.nrrd",
                "NRRD0004\ntype: float\ndimension: 2\nspace dimension: 2\nsizes: 3 2\n"
                "space directions: (0.5,0) (0,0.25)\nspace origin: (1,2)\nencoding: raw\nendian: little\n\n" +
                    floats({1, 2, 3, 4, 5, 6}));
  const ImageInfo info = read_info(dir / "flat.nrrd");
  EXPECT_EQ(info.format, "NRRD");
  EXPECT_EQ(info.dimension, 2);
  EXPECT_EQ(info.size, (std::vector<int64_t>{3, 2}));
  const Volume v = read_volume(dir / "flat.nrrd");
  EXPECT_EQ(v.geometry.size, (std::array<int64_t, 3>{3, 2, 1}));
  EXPECT_EQ(v.geometry.spacing[0], 0.5);
  EXPECT_EQ(v.geometry.spacing[1], 0.25);
  EXPECT_EQ(v.geometry.origin[0], 1.0);
  EXPECT_EQ(v.geometry.origin[1], 2.0);
  EXPECT_EQ(v.voxels, (std::vector<float>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(v.at(2, 1, 0), 6.0f);
}

TEST(Nrrd, VectorImageIsRefused) {
  testing::TempDir dir;
  const std::string path = dir / "vec.nrrd";
  testing::spit(path,
                "NRRD0004\ntype: float\ndimension: 3\nsizes: 3 2 2\nkinds: vector domain domain\n"
                "encoding: raw\nendian: little\n\n" + floats(std::vector<float>(12, 1.0f)));
  EXPECT_EQ(read_info(path).components, 3);
  try {
    read_volume(path);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), path + ": expected a 3D scalar image, got a 2D 2x2 image with 3 components per voxel");
  }
}

}  // namespace
}  // namespace labkit::imageio

namespace labkit::imageio {
namespace {

// ITK's exception text reaches the user as one line without "ITK ERROR: Class(0x...)" noise.
TEST(Nrrd, InconsistentHeaderGivesOneLineReason) {
  testing::TempDir dir;
  const std::string path = dir / "bad.nrrd";
  testing::spit(path,
                "NRRD0004\ntype: float\ndimension: 2\nspace: left-posterior-superior\nsizes: 3 2\n"
                "space directions: (0.5,0,0) (0,0.25,0)\nencoding: raw\nendian: little\n\n" +
                    floats({1, 2, 3, 4, 5, 6}));
  try {
    read_info(path);
    FAIL();
  } catch (const InputError& e) {
    const std::string msg = e.what();
    EXPECT_EQ(msg.rfind(path + ": cannot read image header: ReadImageInformation: nrrd's #independent axes", 0), 0u)
        << msg;
    EXPECT_EQ(msg.find("ITK ERROR"), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  }
}

}  // namespace
}  // namespace labkit::imageio
