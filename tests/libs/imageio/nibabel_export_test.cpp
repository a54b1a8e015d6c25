// Writes what imageio reads (raw float32 voxels + geometry text) and files it writes, for
// nibabel_parity.py to compare against nibabel. Run alone it checks only that the exports work; the
// parity ctest runs it with LABKIT_IMAGEIO_EXPORT_DIR set.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <iomanip>

#include "labkit/imageio/image.h"
#include "test_support.h"

namespace labkit::imageio {
namespace {

// <stem>.f32: voxels, x fastest; <stem>.geom: size, spacing, origin, direction (row-major), one per line.
void dump(const Volume& v, const std::string& stem) {
  std::ofstream raw(stem + ".f32", std::ios::binary);
  raw.write(reinterpret_cast<const char*>(v.voxels.data()), static_cast<std::streamsize>(v.voxels.size() * 4));
  std::ofstream geom(stem + ".geom");
  geom << std::setprecision(17);
  const auto& g = v.geometry;
  geom << g.size[0] << " " << g.size[1] << " " << g.size[2] << "\n";
  geom << g.spacing[0] << " " << g.spacing[1] << " " << g.spacing[2] << "\n";
  geom << g.origin[0] << " " << g.origin[1] << " " << g.origin[2] << "\n";
  for (double d : g.direction) geom << d << " ";
  geom << "\n";
  ASSERT_TRUE(raw && geom) << stem;
}

TEST(NibabelExport, WritesFilesForParityCheck) {
  const char* env = std::getenv("LABKIT_IMAGEIO_EXPORT_DIR");
  testing::TempDir tmp;
  const std::string out = env ? std::string(env) : tmp.path().string();
  std::filesystem::create_directories(out);

  const Volume ct = read_volume(testing::medical("example_ct_sm.nii.gz"));
  dump(ct, out + "/read_example_ct_sm");
  dump(read_volume(testing::medical("anatomical.nii")), out + "/read_anatomical");

  // Written by us: a resampled + reoriented float volume, and a uint8 mask on the original grid.
  const Volume moved = reorient(resample(ct, {2.5, 2.0, 4.0}), "LPI");
  write_volume(moved, out + "/written_float.nii.gz");
  dump(moved, out + "/written_float");
  Volume mask = ct;
  for (float& x : mask.voxels) x = x > 0.0f ? 1.0f : 0.0f;
  write_volume(mask, out + "/written_mask.nii", PixelType::kUInt8);
  dump(mask, out + "/written_mask");
  EXPECT_TRUE(std::filesystem::exists(out + "/written_float.nii.gz"));
}

}  // namespace
}  // namespace labkit::imageio
