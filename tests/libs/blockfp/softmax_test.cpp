// Softmax in block formats against the float64 reference; online vs two-pass; the DH-LUT; attention.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "labkit/blockfp/cost.h"
#include "labkit/blockfp/softmax.h"

using namespace labkit::blockfp;

namespace {
constexpr float kInf = std::numeric_limits<float>::infinity();

std::vector<float> random_row(int64_t n, std::mt19937& rng, float sd = 3.0f) {
  std::normal_distribution<float> nd(0.0f, sd);
  std::vector<float> x(n);
  for (auto& v : x) v = nd(rng);
  return x;
}

RowError error_of(const SoftmaxSpec& s, const std::vector<float>& x) {
  ExpLut lut(s.lut);
  std::vector<float> p(x.size());
  std::vector<double> ref(x.size());
  softmax_two_pass(s, lut, x.data(), p.data(), static_cast<int64_t>(x.size()));
  softmax_reference(x.data(), ref.data(), static_cast<int64_t>(x.size()));
  return row_error(ref.data(), p.data(), static_cast<int64_t>(x.size()));
}
}  // namespace

TEST(BlockfpLut, ExpAccuracyMonotoneAndBounded) {
  for (int levels : {1, 2}) {
    for (int bits : {4, 8, 12}) {
      ExpLut lut({bits, 24, levels});
      EXPECT_EQ(lut.exp2_neg(0.0f), 1u << kQ);
      uint32_t prev = lut.exp2_neg(0.0f);
      // Bound: index rounding 2^-f error <= 2^(2^-(bits+1)) - 1 relative, entry rounding 2^-24 (x2 for the
      // product), the 2^-k shift truncation 2^k·2^-30 relative.
      for (float t = 0; t < 12; t += 1.0f / 1024) {
        const uint32_t e = lut.exp2_neg(t);
        EXPECT_LE(e, prev) << "monotone at t=" << t;
        prev = e;
        const double exact = std::exp2(-static_cast<double>(t)) * (1u << kQ);
        const double bound = std::exp2(std::ldexp(1.0, -(bits + 1))) - 1 + 3 * std::ldexp(1.0, -24) +
                             std::ldexp(1.0, static_cast<int>(t) + 1 - kQ);
        ASSERT_LE(std::fabs(e - exact) / exact, bound * 1.0001) << "t=" << t << " bits=" << bits;
      }
    }
  }
  EXPECT_EQ(ExpLut({8, 16, 1}).exp2_neg(40.0f), 0u);
  EXPECT_EQ(ExpLut({8, 16, 1}).exp2_neg(kInf), 0u);
  EXPECT_THROW(ExpLut({17, 16, 1}), std::invalid_argument);
  EXPECT_THROW(ExpLut({8, 31, 1}), std::invalid_argument);
  EXPECT_THROW(ExpLut({8, 16, 3}), std::invalid_argument);
}

TEST(BlockfpSoftmax, Fp32WithFineLutMatchesReference) {
  std::mt19937 rng(3);
  SoftmaxSpec s{parse_format("fp32"), {12, 24, 1}};
  for (int64_t n : {1, 7, 64, 1000}) {
    auto e = error_of(s, random_row(n, rng));
    EXPECT_LT(e.max_abs, 2e-4) << n;
    EXPECT_LT(e.kl, 1e-7) << n;
  }
}

TEST(BlockfpSoftmax, ErrorShrinksWithMantissaBits) {
  std::mt19937 rng(4);
  auto x = random_row(512, rng);
  double prev = 1e9;
  for (int m : {3, 5, 8, 12}) {
    SoftmaxSpec s{parse_format("dbfp:b32:m" + std::to_string(m) + ":e6"), {12, 24, 1}};
    const double kl = error_of(s, x).kl;
    EXPECT_LT(kl, prev) << m;
    prev = kl;
  }
  EXPECT_LT(prev, 1e-6);
}

TEST(BlockfpSoftmax, NonMaxPivotWinsWithNegativeOutliers) {
  // Rows whose competitive scores (near the max) share blocks with a few scores far below them: the max
  // pivot spends the mantissa on the far-negative logit and rounds the competitive ones coarsely; the
  // median pivot keeps them exact-ish and saturates the outlier, whose probability is ~0 either way.
  std::mt19937 rng(5);
  double kl_max = 0, kl_med = 0, kl_out = 0;
  for (int r = 0; r < 20; ++r) {
    auto x = random_row(256, rng, 1.0f);
    for (int b = 0; b < 256; b += 32) x[b + 7] = -80.0f;
    kl_max += error_of({parse_format("dbfp:b32:m4:e6:max"), {10, 24, 1}}, x).kl;
    kl_med += error_of({parse_format("dbfp:b32:m4:e6:median"), {10, 24, 1}}, x).kl;
    kl_out += error_of({parse_format("dbfp:b32:m4:e6:outlier1g2"), {10, 24, 1}}, x).kl;
  }
  EXPECT_LT(kl_med, kl_max / 10);
  EXPECT_LT(kl_out, kl_max / 10);
  // Rows with no outliers: the max pivot is at least as good (no saturation).
  double a = 0, b = 0;
  for (int r = 0; r < 20; ++r) {
    auto x = random_row(256, rng, 0.5f);
    a += error_of({parse_format("dbfp:b32:m4:e6:max"), {10, 24, 1}}, x).kl;
    b += error_of({parse_format("dbfp:b32:m4:e6:p0"), {10, 24, 1}}, x).kl;
  }
  EXPECT_LT(a, b);
}

TEST(BlockfpSoftmax, OnlineAgreesWithTwoPass) {
  std::mt19937 rng(6);
  std::vector<std::vector<float>> rows;
  for (int r = 0; r < 10; ++r) rows.push_back(random_row(300, rng, 4.0f));
  auto adv = random_row(300, rng, 30.0f);  // large range, increasing maxima, masked entries
  for (int i = 0; i < 300; ++i) adv[i] += 0.5f * i;
  for (int i = 0; i < 300; i += 7) adv[i] = -kInf;
  rows.push_back(adv);
  std::vector<float> first_masked(300, 1.0f);
  for (int i = 0; i < 64; ++i) first_masked[i] = -kInf;  // whole tiles masked
  rows.push_back(first_masked);
  for (const auto& x : rows) {
    std::vector<float> a(300), b(300);
    // Exact exp, fp32 format: the two forms agree to fp32 rounding.
    softmax_two_pass_exact(parse_format("fp32"), x.data(), a.data(), 300);
    softmax_online_exact(parse_format("fp32"), x.data(), b.data(), 300, 32);
    for (int i = 0; i < 300; ++i) ASSERT_NEAR(a[i], b[i], 2e-6 * std::max(a[i], 1e-3f)) << i;
    // LUT form in DBFP: the sums differ only by quantisation against the running max and the rescale.
    SoftmaxSpec s{parse_format("dbfp:b32:m8:e6:median"), {10, 24, 1}};
    ExpLut lut(s.lut);
    softmax_two_pass(s, lut, x.data(), a.data(), 300);
    softmax_online(s, lut, x.data(), b.data(), 300, 32);
    for (int i = 0; i < 300; ++i) ASSERT_NEAR(a[i], b[i], 0.02 * a[i] + 1e-9) << i;
  }
}

TEST(BlockfpSoftmax, NonFiniteRowsHaveDefinedResults) {
  SoftmaxSpec s{parse_format("dbfp:b4:m4:e6:median"), {8, 16, 1}};
  ExpLut lut(s.lut);
  std::vector<float> p(4);
  std::vector<float> nan_row{1.0f, std::nanf(""), 0.0f, 2.0f};
  softmax_two_pass(s, lut, nan_row.data(), p.data(), 4);
  for (float v : p) EXPECT_TRUE(std::isnan(v));
  std::vector<float> inf_row{1.0f, kInf, 0.0f, 2.0f};
  softmax_two_pass(s, lut, inf_row.data(), p.data(), 4);
  for (float v : p) EXPECT_TRUE(std::isnan(v));
  std::vector<float> masked{-kInf, -kInf, -kInf, -kInf};
  softmax_two_pass(s, lut, masked.data(), p.data(), 4);
  for (float v : p) EXPECT_EQ(v, 0.0f);
  std::vector<float> partly{-kInf, 3.0f, -kInf, 3.0f};
  softmax_two_pass(s, lut, partly.data(), p.data(), 4);
  EXPECT_EQ(p, std::vector<float>({0.0f, 0.5f, 0.0f, 0.5f}));
  std::vector<double> ref(4);
  softmax_reference(masked.data(), ref.data(), 4);
  EXPECT_EQ(ref[0], 0.0);
}

TEST(BlockfpSoftmax, AttentionAgainstFloat64) {
  std::mt19937 rng(7);
  const int64_t T = 48, D = 16;
  auto q = random_row(T * D, rng, 1.0f), k = random_row(T * D, rng, 1.0f), v = random_row(T * D, rng, 1.0f);
  auto ref = attention_reference(q, k, v, T, D);
  auto max_err = [&](const SoftmaxSpec& s) {
    ExpLut lut(s.lut);
    auto out = attention(s, lut, q, k, v, T, D);
    double e = 0;
    for (int64_t i = 0; i < T * D; ++i) e = std::max(e, std::fabs(out[i] - ref[i]));
    return e;
  };
  EXPECT_LT(max_err({parse_format("fp32"), {14, 24, 1}}), 1e-4);
  const double m8 = max_err({parse_format("dbfp:b32:m8:e6:max"), {10, 24, 1}});
  const double m3 = max_err({parse_format("dbfp:b32:m3:e6:max"), {10, 24, 1}});
  EXPECT_LT(m8, 2e-2);
  EXPECT_GT(m3, m8);
  // First row attends only to itself: out = v[0] exactly in every format (p = 1).
  ExpLut lut({8, 16, 1});
  auto out = attention({parse_format("mxfp4_e2m1"), {8, 16, 1}}, lut, q, k, v, T, D);
  for (int64_t d = 0; d < D; ++d) EXPECT_EQ(out[d], v[d]);
}

TEST(BlockfpCost, CountsFollowTheRules) {
  auto c = cost_model(parse_format("dbfp:b32:m4:e6:max"), {8, 16, 1});
  EXPECT_DOUBLE_EQ(c.table_bytes, 256 * 17 / 8.0);
  EXPECT_DOUBLE_EQ(c.bits_per_element, 1 + 4 + 6.0 / 32);
  EXPECT_EQ(c.lookups, 1);
  auto c2 = cost_model(parse_format("dbfp:b32:m4:e6:median:split3"), {8, 16, 2});
  EXPECT_DOUBLE_EQ(c2.table_bytes, (16 + 16) * 17 / 8.0);
  EXPECT_GT(c2.compares, c.compares);
  EXPECT_EQ(cost_model(parse_format("fp32"), {8, 16, 1}).transcendental, 1);
}
