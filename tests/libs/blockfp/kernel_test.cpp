// The vectorised, multithreaded kernels are bit-identical to the scalar model (softmax_two_pass, row r
// with stream r) for every ISA this CPU has.
#include <gtest/gtest.h>

#include <cstring>
#include <limits>
#include <random>

#include "labkit/blockfp/kernel.h"

using namespace labkit::blockfp;

namespace {
bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}
}  // namespace

TEST(BlockfpKernel, BitIdenticalToScalarModel) {
  std::mt19937 rng(11);
  std::normal_distribution<float> nd(0.0f, 4.0f);
  const std::vector<std::pair<std::string, LutSpec>> specs = {
      {"fp32", {12, 24, 1}},
      {"bfp:b32:m8:e8", {10, 24, 1}},
      {"dbfp:b32:m4:e6:median", {8, 16, 1}},
      {"dbfp:b16:m5:e6:p75:trunc", {8, 15, 2}},
      {"dbfp:b24:m6:e5:outlier1g2:inf", {9, 20, 1}},
      {"dbfp:b8:m3:e6:max:inf", {6, 12, 2}},
      {"dbfp:b32:m6:e6:median:split3", {8, 16, 1}},  // scalar fallback path
      {"mxfp8_e4m3", {8, 16, 1}},                     // scalar fallback path
  };
  std::vector<Isa> isas{Isa::kScalar};
  if (best_isa() != Isa::kScalar) isas.push_back(Isa::kAvx2);
  if (best_isa() == Isa::kAvx512) isas.push_back(Isa::kAvx512);
  for (int64_t n : {1, 7, 33, 100, 257}) {
    const int64_t rows = 9;
    std::vector<float> x(rows * n);
    for (auto& v : x) v = nd(rng);
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t j = 0; j < n; ++j)
        if (j > r * n / rows + 3) x[r * n + j] = -std::numeric_limits<float>::infinity();  // causal-like mask
    if (n > 10) x[2 * n + 5] = -200.0f;  // a far outlier
    for (const auto& [name, lut_spec] : specs) {
      SoftmaxSpec s{parse_format(name), lut_spec};
      ExpLut lut(s.lut);
      std::vector<float> ref(rows * n);
      for (int64_t r = 0; r < rows; ++r) softmax_two_pass(s, lut, x.data() + r * n, ref.data() + r * n, n, r);
      for (Isa isa : isas) {
        for (int threads : {1, 3}) {
          std::vector<float> out(rows * n, -1.0f);
          softmax_rows(s, lut, x.data(), out.data(), rows, n, threads, isa);
          EXPECT_TRUE(same_bits(ref, out)) << name << " isa " << isa_name(isa) << " n " << n << " threads " << threads;
        }
      }
    }
  }
}

TEST(BlockfpKernel, NonFiniteRowsMatchTheModel) {
  const int64_t n = 40;
  std::vector<float> x(3 * n, 1.0f);
  x[3] = std::nanf("");
  for (int64_t j = 0; j < n; ++j) x[n + j] = -std::numeric_limits<float>::infinity();
  x[2 * n + 39] = std::numeric_limits<float>::infinity();
  SoftmaxSpec s{parse_format("dbfp:b32:m4:e6:median"), {8, 16, 1}};
  ExpLut lut(s.lut);
  std::vector<float> out(3 * n);
  softmax_rows(s, lut, x.data(), out.data(), 3, n, 2);
  for (int64_t j = 0; j < n; ++j) {
    EXPECT_TRUE(std::isnan(out[j]));
    EXPECT_EQ(out[n + j], 0.0f);
    EXPECT_TRUE(std::isnan(out[2 * n + j]));
  }
}
