// Simulated low-quality labels: each corruption kind does what it says, other lesions are untouched,
// and the result is deterministic for a seed.
#include <gtest/gtest.h>

#include "labkit/core/error.h"
#include "labkit/petseg/label_noise.h"

namespace ps = labkit::petseg;
namespace img = labkit::imageio;

namespace {

// Two cubes: label 1 (6^3 at 5..10) and label 2 (4^3 at 20..23).
img::Volume two_cubes() {
  img::Geometry g;
  g.size = {30, 30, 30};
  auto v = img::make_volume(g, 0.0f);
  for (int k = 5; k < 11; ++k)
    for (int j = 5; j < 11; ++j)
      for (int i = 5; i < 11; ++i) v.at(i, j, k) = 1;
  for (int k = 20; k < 24; ++k)
    for (int j = 20; j < 24; ++j)
      for (int i = 20; i < 24; ++i) v.at(i, j, k) = 2;
  return v;
}

int64_t count(const img::Volume& v, int label) {
  int64_t n = 0;
  for (float x : v.voxels) n += std::lround(x) == label;
  return n;
}

ps::LabelNoiseSpec only(const std::string& kind) {
  ps::LabelNoiseSpec s;
  s.p_over = kind == "over", s.p_under = kind == "under", s.p_boundary = kind == "boundary", s.p_missed = kind == "missed";
  s.max_shift_voxels = 1;
  return s;
}

}  // namespace

TEST(LabelNoise, OverSegmentationDilatesByOneVoxel) {
  const auto v = two_cubes();
  std::vector<ps::LesionCorruption> log;
  const auto n = ps::simulate_low_quality_labels(v, only("over"), 1, &log);
  // A 6-neighbourhood dilation of a 6^3 cube adds the 6 faces: 6 * 36 voxels.
  EXPECT_EQ(count(n, 1), 216 + 6 * 36);
  EXPECT_EQ(count(n, 2), 64 + 6 * 16);
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0].kind, "over");
  EXPECT_EQ(log[0].voxels_before, 216);
  EXPECT_EQ(log[0].voxels_after, 216 + 216);
  for (size_t i = 0; i < v.voxels.size(); ++i)
    if (v.voxels[i] != 0) EXPECT_EQ(n.voxels[i], v.voxels[i]);  // a superset
}

TEST(LabelNoise, UnderSegmentationErodesButNeverEmpties) {
  const auto v = two_cubes();
  auto spec = only("under");
  spec.max_shift_voxels = 10;
  const auto n = ps::simulate_low_quality_labels(v, spec, 2);
  EXPECT_GT(count(n, 1), 0);
  EXPECT_LT(count(n, 1), 216);
  EXPECT_GT(count(n, 2), 0);
  EXPECT_LT(count(n, 2), 64);
  for (size_t i = 0; i < v.voxels.size(); ++i)
    if (n.voxels[i] != 0) EXPECT_EQ(n.voxels[i], v.voxels[i]);  // a subset
}

TEST(LabelNoise, MissedAndBoundary) {
  const auto v = two_cubes();
  EXPECT_EQ(count(ps::simulate_low_quality_labels(v, only("missed"), 3), 1), 0);
  auto spec = only("boundary");
  spec.boundary_band_voxels = 2;
  const auto n = ps::simulate_low_quality_labels(v, spec, 4);
  // Changes stay within 2 voxels of the boundary: the cube's core (2 voxels in) is intact, and nothing
  // appears more than 2 voxels outside.
  for (int k = 7; k < 9; ++k)
    for (int j = 7; j < 9; ++j)
      for (int i = 7; i < 9; ++i) EXPECT_EQ(n.at(i, j, k), 1.0f);
  int64_t changed = 0;
  for (int64_t k = 0; k < 30; ++k)
    for (int64_t j = 0; j < 30; ++j)
      for (int64_t i = 0; i < 30; ++i) {
        if (n.at(i, j, k) != v.at(i, j, k)) ++changed;
        if (n.at(i, j, k) == 1) {
          EXPECT_GE(i, 3);
          EXPECT_LE(i, 12);
        }
      }
  EXPECT_GT(changed, 0);
  // Deterministic for a seed, different for another.
  EXPECT_EQ(ps::simulate_low_quality_labels(v, spec, 4).voxels, n.voxels);
  EXPECT_NE(ps::simulate_low_quality_labels(v, spec, 5).voxels, n.voxels);
}

TEST(LabelNoise, SpecValidation) {
  EXPECT_THROW(ps::LabelNoiseSpec::from_json({{"p_over", 0.8}, {"p_under", 0.5}}), labkit::InputError);
  EXPECT_THROW(ps::LabelNoiseSpec::from_json({{"p_sideways", 0.1}}), labkit::InputError);
  EXPECT_NO_THROW(ps::LabelNoiseSpec::from_json({{"p_over", 0.2}}));
}
