// Molecule-level splits: deterministic for a seed, independent of input order, exact sizes, OOD by size.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>

#include "splits.h"

using namespace labkit::qo2mol_pack;

namespace {
std::vector<std::string> keys(int n) {
  std::vector<std::string> k;
  for (int i = 0; i < n; ++i) k.push_back("KEY" + std::to_string(i * 7919 % 1000));
  return k;
}
}  // namespace

TEST(Splits, DeterministicSizedAndOrderIndependent) {
  const auto k = keys(1000);
  const auto a = random_split(k, {}, 42), b = random_split(k, {}, 42), c = random_split(k, {}, 43);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_EQ(std::count(a.begin(), a.end(), kTrain), 800);
  EXPECT_EQ(std::count(a.begin(), a.end(), kVal), 100);
  EXPECT_EQ(std::count(a.begin(), a.end(), kTest), 100);
  // Same molecules listed in another order get the same labels.
  std::vector<std::size_t> perm(k.size());
  for (std::size_t i = 0; i < perm.size(); ++i) perm[i] = i;
  std::shuffle(perm.begin(), perm.end(), std::mt19937(5));
  std::vector<std::string> k2;
  for (auto i : perm) k2.push_back(k[i]);
  const auto a2 = random_split(k2, {}, 42);
  for (std::size_t i = 0; i < perm.size(); ++i) EXPECT_EQ(a2[i], a[perm[i]]);
}

TEST(Splits, FractionsMustSumToOne) {
  EXPECT_ANY_THROW(random_split(keys(10), {0.5, 0.1, 0.1}, 1));
}

TEST(Splits, OodByHeavyAtomCount) {
  const auto k = keys(200);
  std::vector<std::int32_t> heavy(k.size());
  for (std::size_t i = 0; i < heavy.size(); ++i) heavy[i] = static_cast<std::int32_t>(1 + i % 20);
  const int t = ood_threshold(heavy, 0.1);
  EXPECT_EQ(t, 19);  // the largest 10%: 19 and 20 heavy atoms
  const auto labels = ood_split(k, heavy, t, {}, 3);
  for (std::size_t i = 0; i < k.size(); ++i) EXPECT_EQ(labels[i] == kOod, heavy[i] >= t);
  // All molecules the same size: nothing would be in distribution, so the threshold moves above them.
  EXPECT_EQ(ood_threshold({5, 5, 5}, 0.1), 6);
}
