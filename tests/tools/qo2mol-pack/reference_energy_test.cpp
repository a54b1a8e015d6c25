// Per-element reference energies: exact recovery of a known linear model, and a finite answer for
// collinear compositions (one molecule only).
#include <gtest/gtest.h>

#include <map>
#include <random>

#include "reference_energy.h"

using namespace labkit::qo2mol_pack;

TEST(ReferenceEnergy, RecoversKnownElementEnergies) {
  const std::map<int, double> truth{{1, -13.6}, {6, -1029.5}, {7, -1485.2}, {8, -2042.6}, {9, -2713.4}};
  std::mt19937 rng(1);
  ReferenceFitter fit;
  std::vector<std::vector<std::uint8_t>> mols;
  for (int m = 0; m < 300; ++m) {
    std::vector<std::uint8_t> z;
    for (auto [el, e] : truth) {
      const int n = static_cast<int>(rng() % (el == 1 ? 12 : 4));
      for (int i = 0; i < n; ++i) z.push_back(static_cast<std::uint8_t>(el));
    }
    if (z.empty()) z.push_back(1);
    double e = 0;
    for (auto a : z) e += truth.at(a);
    fit.add(z.data(), z.size(), e + 1e-4 * (static_cast<double>(rng() % 1000) / 1000.0 - 0.5));
    mols.push_back(z);
  }
  const auto r = fit.solve();
  EXPECT_EQ(r.rank, 5);
  ASSERT_EQ(r.z.size(), 5u);
  for (std::size_t i = 0; i < r.z.size(); ++i) EXPECT_NEAR(r.energy[i], truth.at(r.z[i]), 2e-5) << r.z[i];
}

TEST(ReferenceEnergy, CollinearCompositionsStillPredictTheMean) {
  ReferenceFitter fit;
  const std::vector<std::uint8_t> ethanol{6, 6, 8, 1, 1, 1, 1, 1, 1};
  for (double e : {-4214.0, -4215.0, -4216.0}) fit.add(ethanol.data(), ethanol.size(), e);
  const auto r = fit.solve();
  EXPECT_EQ(r.rank, 1);
  EXPECT_NEAR(r.predict(ethanol.data(), ethanol.size()), -4215.0, 1e-6);
}
