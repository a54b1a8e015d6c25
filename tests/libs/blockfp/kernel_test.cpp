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
      {"dbfp:b32:m8:e6:max:sr:inf", {8, 16, 1}},
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

namespace {
// Every ISA this CPU has, scalar first.
std::vector<Isa> isas_here() {
  std::vector<Isa> isas{Isa::kScalar};
  if (best_isa() != Isa::kScalar) isas.push_back(Isa::kAvx2);
  if (best_isa() == Isa::kAvx512) isas.push_back(Isa::kAvx512);
  return isas;
}

void expect_kernels_match_model(const std::vector<float>& x, int64_t rows, int64_t n, const std::string& what) {
  const std::vector<std::pair<std::string, LutSpec>> specs = {
      {"dbfp:b32:m8:e6:max:rne:inf", {8, 16, 1}},  // the speed table's format (integer path)
      {"dbfp:b32:m8:e6:max:rne:inf", {8, 15, 2}},  // in-register level-2 tables
      {"dbfp:b32:m8:e6:max:rne:sat", {8, 16, 1}},
      {"dbfp:b32:m8:e8:max:rne:inf", {8, 16, 1}},  // shared exponents down to -127
      {"dbfp:b32:m6:e6:max:sr:inf", {8, 16, 1}},   // stochastic rounding (AVX2 path)
      {"dbfp:b16:m4:e6:p75:sr:sat", {8, 15, 2}},
      {"dbfp:b16:m6:e8:median:trunc:inf", {7, 16, 1}},
      {"dbfp:b32:m4:e6:p75:rne:sat", {10, 14, 2}},  // level-2 tables too large for registers
      {"bfp:b8:m12:e8", {12, 20, 1}},               // d > 31 - m: float path
      {"fp32", {8, 16, 1}},
  };
  for (const auto& [name, lut_spec] : specs) {
    SoftmaxSpec s{parse_format(name), lut_spec};
    ExpLut lut(s.lut);
    std::vector<float> ref(rows * n);
    for (int64_t r = 0; r < rows; ++r) softmax_two_pass(s, lut, x.data() + r * n, ref.data() + r * n, n, r);
    for (Isa isa : isas_here()) {
      std::vector<float> out(rows * n, -1.0f);
      softmax_rows(s, lut, x.data(), out.data(), rows, n, 2, isa);
      EXPECT_TRUE(same_bits(ref, out)) << what << ": " << name << " lut " << lut_spec.index_bits << "/"
                                       << lut_spec.entry_bits << "/" << lut_spec.levels << " isa " << isa_name(isa);
    }
  }
}
}  // namespace

// Rows that reach the kernels' less common branches: a tiny spread (every block's shared exponent so low
// that the LUT index needs rounding, the float path, with ties), subnormal scores, a row whose x - max
// overflows to -inf (an infinite shifted logit is not part of the shared exponent), long rows with masks,
// ramps whose blocks take every shared exponent from -1 to 8.
TEST(BlockfpKernel, EdgeRowsMatchTheModel) {
  std::mt19937 rng(5);
  const int64_t n = 203, rows = 9;
  std::vector<float> x(rows * n);
  std::normal_distribution<float> tiny(0.0f, 0.02f), wide(0.0f, 6.0f);
  for (int64_t j = 0; j < n; ++j) {
    x[j] = tiny(rng);                                     // row 0: spread 0.02
    x[n + j] = static_cast<float>(j % 7) * 1e-40f;        // row 1: subnormal scores
    x[2 * n + j] = j % 5 == 0 ? -3e38f : wide(rng);       // row 2: x - max overflows (max is +3e38 below)
    x[3 * n + j] = j % 3 == 0 ? -std::numeric_limits<float>::infinity() : wide(rng);  // row 3: masked
    x[4 * n + j] = std::round(wide(rng) * 4.0f) / 4.0f;   // row 4: repeated values
    x[5 * n + j] = -static_cast<float>(j) * 0.25f;        // rows 5, 6: arithmetic ramps (every block
    x[6 * n + j] = -static_cast<float>(j) * 1.5f;         // shift of the AVX2 integer path)
    x[7 * n + j] = j % 16 == 5 ? -100.0f - j : tiny(rng) * 50.0f;  // row 7: a far entry per block (E 7, 8)
    // row 8: subnormal logits just below 2^-126, whose mantissa rounds up past the top code under e8 (E + 1)
    x[8 * n + j] = j % 4 == 0 ? 0.0f : -std::ldexp(1.0f, -126) / kLog2e * (1.0f - static_cast<float>(1 + j % 5) * 1e-3f);
  }
  x[2 * n + 7] = 3e38f;
  expect_kernels_match_model(x, rows, n, "edge rows");
}

// Exact rounding ties of the 8-bit mantissa: max 0, so y = x·log2e, and each block of 32 holds an anchor
// y = -200.5·2^s (shared exponent s + 7, grid step 2^s) and values -(j + 0.5)·2^s, all exact half steps.
// s from -12 to 2 covers the integer exp path (s >= -8) and the float path with index rounding (s < -8).
TEST(BlockfpKernel, RoundingTiesMatchTheModel) {
  const int64_t n = 64;
  std::vector<float> x;
  auto x_for = [](float target) {  // a float c with c·log2e == target exactly, or NaN
    float c = target / kLog2e;
    for (int k = 0; k < 64; ++k, c = std::nextafter(c, k % 2 ? 0.0f : -1e30f))
      if (c * kLog2e == target) return c;
    return std::nanf("");
  };
  int ties = 0;
  for (int s = -12; s <= 2; ++s) {
    std::vector<float> row(n, -std::numeric_limits<float>::infinity());
    row[0] = 0.0f;
    for (int64_t i = 1, j = 0; i < n && j < 200; ++j) {
      const bool anchor = i == 1 || i == 33;
      const float c = x_for(-(anchor ? 200.5f : static_cast<float>(j) + 0.5f) * std::ldexp(1.0f, s));
      if (std::isnan(c)) continue;
      row[i++] = c;
      ++ties;
    }
    x.insert(x.end(), row.begin(), row.end());
  }
  ASSERT_GT(ties, 300);
  expect_kernels_match_model(x, static_cast<int64_t>(x.size()) / n, n, "ties");
}

// Long rows as the speed table uses them, with a causal-style mask.
TEST(BlockfpKernel, LongRowsMatchTheModel) {
  std::mt19937 rng(9);
  std::normal_distribution<float> nd(0.0f, 3.0f);
  const int64_t n = 4099, rows = 4;
  std::vector<float> x(rows * n);
  for (int64_t i = 0; i < rows * n; ++i) x[i] = (i % n) > (i / n + 1) * 1000 ? -std::numeric_limits<float>::infinity() : nd(rng);
  expect_kernels_match_model(x, rows, n, "long rows");
}
