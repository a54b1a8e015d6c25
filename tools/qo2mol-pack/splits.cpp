#include "splits.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "labkit/core/error.h"

namespace labkit::qo2mol_pack {

int upstream_split_of(const std::string& file_name) {
  const auto slash = file_name.find_last_of('/');
  const std::string base = slash == std::string::npos ? file_name : file_name.substr(slash + 1);
  if (base.rfind("QO2Mol26_Train_chunk", 0) == 0) return kTrain;
  if (base == "QO2Mol26_Test.pkl") return kTest;
  if (base == "QO2Mol26_OOD_medium.pkl") return kOodMedium;
  if (base == "QO2Mol26_OOD_large.pkl") return kOodLarge;
  return kUnlabelled;
}

void check_fractions(const SplitFractions& f) {
  for (double v : {f.train, f.val, f.test})
    if (!std::isfinite(v) || v < 0)
      throw InputError("split fractions (--train/--val/--test): " + std::to_string(v) + " is not a fraction >= 0");
  if (std::fabs(f.train + f.val + f.test - 1.0) > 1e-9)
    throw InputError("split fractions (--train/--val/--test) sum to " + std::to_string(f.train + f.val + f.test) +
                     ", not 1");
}

namespace {

void split_subset(const std::vector<std::string>& keys, std::vector<std::size_t> members, const SplitFractions& f,
                  std::uint64_t seed, std::vector<std::int8_t>& labels) {
  check_fractions(f);
  std::sort(members.begin(), members.end(), [&](std::size_t a, std::size_t b) { return keys[a] < keys[b]; });
  std::mt19937_64 rng(seed);
  for (std::size_t i = members.size(); i > 1; --i) {
    const std::size_t j = static_cast<std::size_t>(rng() % i);
    std::swap(members[i - 1], members[j]);
  }
  const auto n = static_cast<double>(members.size());
  const auto n_train = static_cast<std::size_t>(std::llround(f.train * n));
  const auto n_val = std::min(members.size() - n_train, static_cast<std::size_t>(std::llround(f.val * n)));
  for (std::size_t k = 0; k < members.size(); ++k)
    labels[members[k]] = k < n_train ? kTrain : (k < n_train + n_val ? kVal : kTest);
}

}  // namespace

std::vector<std::int8_t> random_split(const std::vector<std::string>& keys, const SplitFractions& f,
                                      std::uint64_t seed) {
  std::vector<std::int8_t> labels(keys.size(), kTrain);
  std::vector<std::size_t> all(keys.size());
  std::iota(all.begin(), all.end(), 0);
  split_subset(keys, all, f, seed, labels);
  return labels;
}

std::vector<std::int8_t> ood_split(const std::vector<std::string>& keys, const std::vector<std::int32_t>& heavy,
                                   int min_heavy, const SplitFractions& f, std::uint64_t seed) {
  std::vector<std::int8_t> labels(keys.size(), kOod);
  std::vector<std::size_t> in_dist;
  for (std::size_t m = 0; m < keys.size(); ++m)
    if (heavy[m] < min_heavy) in_dist.push_back(m);
  split_subset(keys, in_dist, f, seed, labels);
  return labels;
}

int ood_threshold(std::vector<std::int32_t> heavy, double ood_fraction) {
  if (heavy.empty()) return 1;
  std::sort(heavy.begin(), heavy.end());
  const auto n = heavy.size();
  auto k = static_cast<std::size_t>(std::floor((1.0 - ood_fraction) * static_cast<double>(n)));
  if (k >= n) return heavy.back() + 1;
  const int t = heavy[k];
  // Everything at or above t is OOD; if that is every molecule, nothing is in distribution: move up.
  return t <= heavy.front() ? heavy.front() + 1 : t;
}

}  // namespace labkit::qo2mol_pack
