// Metrics against independent references: brute-force distances over all voxel pairs, hand-counted
// offset cubes (the sliding window's tests are in tests/libs/nets3d).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include "distance_transform.h"
#include "metrics.h"

namespace ss = labkit::semisam_train;

namespace {

ss::Mask cube(const ss::Grid3& g, std::array<int64_t, 3> lo, std::array<int64_t, 3> hi) {
  ss::Mask m(g.size(), 0);
  for (int64_t i = lo[0]; i <= hi[0]; ++i)
    for (int64_t j = lo[1]; j <= hi[1]; ++j)
      for (int64_t k = lo[2]; k <= hi[2]; ++k) m[g.index(i, j, k)] = 1;
  return m;
}

ss::Mask random_mask(const ss::Grid3& g, double p, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::bernoulli_distribution b(p);
  ss::Mask m(g.size());
  for (auto& v : m) v = b(rng);
  return m;
}

double brute_distance(const ss::Grid3& g, int64_t a, int64_t b) {
  const int64_t ai[3] = {a / (g.dims[1] * g.dims[2]), (a / g.dims[2]) % g.dims[1], a % g.dims[2]};
  const int64_t bi[3] = {b / (g.dims[1] * g.dims[2]), (b / g.dims[2]) % g.dims[1], b % g.dims[2]};
  double s = 0;
  for (int x = 0; x < 3; ++x) s += std::pow((ai[x] - bi[x]) * g.spacing[x], 2);
  return std::sqrt(s);
}

// Surface by definition: a voxel of m with a 6-neighbour outside m or outside the grid.
ss::Mask brute_surface(const ss::Mask& m, const ss::Grid3& g) {
  ss::Mask s(m.size(), 0);
  for (int64_t v = 0; v < g.size(); ++v) {
    if (!m[v]) continue;
    for (int64_t w = 0; w < g.size(); ++w) {
      const bool neighbour = brute_distance({g.dims, {1, 1, 1}}, v, w) == 1.0;
      if (neighbour && !m[w]) s[v] = 1;
    }
    const int64_t i = v / (g.dims[1] * g.dims[2]), j = (v / g.dims[2]) % g.dims[1], k = v % g.dims[2];
    if (i == 0 || j == 0 || k == 0 || i == g.dims[0] - 1 || j == g.dims[1] - 1 || k == g.dims[2] - 1) s[v] = 1;
  }
  return s;
}

// medpy's metrics written out with O(n^2) distances.
ss::CaseMetrics brute_metrics(const ss::Mask& p, const ss::Mask& r, const ss::Grid3& g) {
  ss::CaseMetrics m;
  double inter = 0, np = 0, nr = 0;
  for (int64_t v = 0; v < g.size(); ++v) inter += p[v] && r[v], np += p[v], nr += r[v];
  m.dice = 2 * inter / (np + nr);
  m.jaccard = inter / (np + nr - inter);
  const auto sp = brute_surface(p, g), sr = brute_surface(r, g);
  auto directed = [&](const ss::Mask& a, const ss::Mask& b) {
    std::vector<double> d;
    for (int64_t v = 0; v < g.size(); ++v) {
      if (!a[v]) continue;
      double best = std::numeric_limits<double>::infinity();
      for (int64_t w = 0; w < g.size(); ++w)
        if (b[w]) best = std::min(best, brute_distance(g, v, w));
      d.push_back(best);
    }
    return d;
  };
  auto pr = directed(sp, sr), rp = directed(sr, sp);
  double sum = 0;
  for (double x : pr) sum += x;
  m.asd = sum / pr.size();
  pr.insert(pr.end(), rp.begin(), rp.end());
  std::sort(pr.begin(), pr.end());
  const double pos = 0.95 * (pr.size() - 1);
  const size_t lo = static_cast<size_t>(pos);
  m.hd95 = pr[lo] + (pos - lo) * (pr[std::min(lo + 1, pr.size() - 1)] - pr[lo]);
  return m;
}

}  // namespace

TEST(SemisamMetrics, DistanceTransformMatchesBruteForceAnisotropic) {
  const ss::Grid3 g{{7, 6, 9}, {2.5, 1.0, 0.7}};
  for (uint64_t seed : {1, 2, 3}) {
    const auto sites = random_mask(g, 0.05, seed);
    const auto d = ss::distance_to_sites(sites, g);
    for (int64_t v = 0; v < g.size(); ++v) {
      double best = std::numeric_limits<double>::infinity();
      for (int64_t w = 0; w < g.size(); ++w)
        if (sites[w]) best = std::min(best, brute_distance(g, v, w));
      ASSERT_NEAR(d[v], best, 1e-12) << v;
    }
  }
  EXPECT_TRUE(std::isinf(ss::distance_to_sites(ss::Mask(g.size(), 0), g)[5]));
}

TEST(SemisamMetrics, DistanceInsideCountsTheGridBorderAsOutside) {
  const ss::Grid3 g{{5, 5, 5}, {1, 1, 1}};
  const auto d = ss::distance_inside(ss::Mask(g.size(), 1), g);
  EXPECT_DOUBLE_EQ(d[g.index(2, 2, 2)], 3.0);  // the centre of a full 5^3 grid: 3 voxels to the padding
  EXPECT_DOUBLE_EQ(d[g.index(0, 2, 2)], 1.0);
  const auto e = ss::distance_inside(cube(g, {1, 1, 1}, {3, 3, 3}), g);
  EXPECT_DOUBLE_EQ(e[g.index(2, 2, 2)], 2.0);
  EXPECT_DOUBLE_EQ(e[g.index(0, 0, 0)], 0.0);
}

TEST(SemisamMetrics, OffsetCubesAnalytic) {
  // Two 4^3 cubes, the second shifted by one voxel along axis 0: overlap 3*4*4 = 48 of 64 each.
  // Surfaces: 56 voxels each; 16 on the trailing face and 4 inside the far face lie 1 voxel from the
  // other surface, the other 36 on it. HD95 of the 112 pooled distances (72 zeros, 40 ones) is 1,
  // ASD = 20/56. With spacing 2 along axis 0 the 16 face distances become 2 (the 4 inner ones stay 1,
  // reaching the side face): HD95 2, ASD (32 + 4)/56.
  ss::Grid3 g{{9, 8, 8}, {1, 1, 1}};
  const auto a = cube(g, {2, 2, 2}, {5, 5, 5}), b = cube(g, {3, 2, 2}, {6, 5, 5});
  auto m = ss::case_metrics(a, b, g);
  EXPECT_DOUBLE_EQ(m.dice, 0.75);
  EXPECT_DOUBLE_EQ(m.jaccard, 0.6);
  EXPECT_DOUBLE_EQ(m.hd95, 1.0);
  EXPECT_DOUBLE_EQ(m.asd, 20.0 / 56.0);
  g.spacing = {2.0, 1.0, 1.0};
  m = ss::case_metrics(a, b, g);
  EXPECT_DOUBLE_EQ(m.dice, 0.75);
  EXPECT_DOUBLE_EQ(m.hd95, 2.0);
  EXPECT_DOUBLE_EQ(m.asd, 36.0 / 56.0);
}

TEST(SemisamMetrics, RandomMasksMatchBruteForceInVoxelsAndMm) {
  for (const std::array<double, 3> spacing : {std::array<double, 3>{1, 1, 1}, std::array<double, 3>{0.8, 1.5, 3.0}}) {
    const ss::Grid3 g{{6, 7, 5}, spacing};
    for (uint64_t seed : {11, 12}) {
      const auto p = random_mask(g, 0.4, seed), r = random_mask(g, 0.3, seed + 100);
      const auto fast = ss::case_metrics(p, r, g), slow = brute_metrics(p, r, g);
      EXPECT_NEAR(fast.dice, slow.dice, 1e-12);
      EXPECT_NEAR(fast.jaccard, slow.jaccard, 1e-12);
      EXPECT_NEAR(fast.hd95, slow.hd95, 1e-12);
      EXPECT_NEAR(fast.asd, slow.asd, 1e-12);
      EXPECT_GT(fast.hd95, 0.0);
    }
  }
}

TEST(SemisamMetrics, EmptyMasksGiveZerosAsUpstream) {
  const ss::Grid3 g{{4, 4, 4}, {1, 1, 1}};
  const auto m = ss::case_metrics(ss::Mask(g.size(), 0), cube(g, {1, 1, 1}, {2, 2, 2}), g);
  EXPECT_TRUE(m.empty);
  EXPECT_EQ(m.dice, 0.0);
  EXPECT_EQ(m.hd95, 0.0);
}

TEST(SemisamMetrics, LargestComponentUses26Neighbours) {
  const ss::Grid3 g{{8, 8, 8}, {1, 1, 1}};
  auto m = cube(g, {0, 0, 0}, {1, 1, 1});           // 8 voxels
  m[g.index(2, 2, 2)] = 1;                          // touches (1,1,1) by a corner: joins it -> 9
  auto big = cube(g, {5, 5, 0}, {7, 6, 0});         // 6 voxels, separate
  for (int64_t v = 0; v < g.size(); ++v) m[v] |= big[v];
  const auto l = ss::largest_component(m, g);
  int64_t n = 0;
  for (auto v : l) n += v;
  EXPECT_EQ(n, 9);
  EXPECT_EQ(l[g.index(2, 2, 2)], 1);
  EXPECT_EQ(l[g.index(6, 6, 0)], 0);
}

