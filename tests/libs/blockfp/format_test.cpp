// BFP/DBFP encode/decode on hand-made blocks (values worked out by hand in the comments).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "labkit/blockfp/format.h"
#include "roundtrip.h"

using namespace labkit::blockfp;

using labkit::test::roundtrip;  // roundtrip.h

TEST(BlockfpFormat, SpecStringsRoundTrip) {
  for (std::string s : {"fp32", "mxint8", "mxfp8_e4m3", "mxfp4_e2m1", "bfp:b16:m8:e8:rne:sat",
                        "dbfp:b32:m4:e6:median:split3:rne:sat", "dbfp:b8:m3:e5:p75:trunc:inf",
                        "dbfp:b32:m5:e6:outlier2g3:sr:sat"})
    EXPECT_EQ(parse_format(s).name(), s);
  auto f = parse_format("dbfp:m4");  // defaults: b32 e8 max rne sat
  EXPECT_EQ(f.block, 32);
  EXPECT_EQ(f.exponent_bits, 8);
  EXPECT_EQ(f.pivot, Pivot::kMax);
}

TEST(BlockfpFormat, BadSpecsNameTheField) {
  auto msg = [](const std::string& s) {
    try {
      parse_format(s);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(msg("dbfp:m0").find("mantissa bits must be in 1..23"), std::string::npos);
  EXPECT_NE(msg("dbfp:b0").find("block must be in 1..1024"), std::string::npos);
  EXPECT_NE(msg("dbfp:e1").find("exponent bits must be in 2..8"), std::string::npos);
  EXPECT_NE(msg("dbfp:e9").find("exponent bits"), std::string::npos);
  EXPECT_NE(msg("bfp:median").find("needs dbfp"), std::string::npos);
  EXPECT_NE(msg("dbfp:zz").find("unknown field 'zz'"), std::string::npos);
  EXPECT_NE(msg("mxfp9").find("unknown kind"), std::string::npos);
  EXPECT_NE(msg("dbfp:mX").find("'mX' needs an unsigned integer"), std::string::npos);
}

TEST(BlockfpFormat, FloatExponent) {
  EXPECT_EQ(float_exponent(1.0f), 0);
  EXPECT_EQ(float_exponent(-2.5f), 1);
  EXPECT_EQ(float_exponent(0.3f), -2);
  EXPECT_EQ(float_exponent(std::ldexp(1.0f, -140)), -140);  // subnormal
  EXPECT_EQ(float_exponent(std::ldexp(1.5f, -130)), -130);
  EXPECT_EQ(float_exponent(3e38f), 127);
}

TEST(BlockfpFormat, MaxPivotHandBlock) {
  // max |x| = 2.5 -> E = 1, step 2^(1-4+1) = 0.25: 1.0 -> M 4, 0.3 -> 1.2 -> 1, -2.5 -> 10, 0 -> 0.
  auto f = parse_format("dbfp:b4:m4:e5:max");
  EncodedBlock b;
  auto out = roundtrip(f, {1.0f, 0.3f, -2.5f, 0.0f}, &b);
  EXPECT_EQ(b.exponents, std::vector<int>({1}));
  EXPECT_EQ(b.codes, std::vector<uint32_t>({4, 1, 16 | 10, 0}));
  EXPECT_EQ(out, std::vector<float>({1.0f, 0.25f, -2.5f, 0.0f}));
  // Plain BFP is the same format with the max pivot.
  EXPECT_EQ(roundtrip(parse_format("bfp:b4:m4:e5"), {1.0f, 0.3f, -2.5f, 0.0f}), out);
}

TEST(BlockfpFormat, MedianPivotSaturatesOrOverflows) {
  // exponents of the nonzero elements: 0, -2, 1 -> median (rank ceil(1.5)-1 = 1 of [-2, 0, 1]) = 0;
  // step 2^(0-3) = 0.125: 1.0 -> 8, 0.3 -> 2.4 -> 2 (0.25), 2.5 -> 20 > 15 -> saturates to 15 (1.875).
  auto sat = roundtrip(parse_format("dbfp:b4:m4:e5:median"), {1.0f, 0.3f, -2.5f, 0.0f});
  EXPECT_EQ(sat, std::vector<float>({1.0f, 0.25f, -1.875f, 0.0f}));
  // inf policy: code 15 is reserved for inf, largest finite 14 (1.75); 20 -> -inf.
  auto inf = roundtrip(parse_format("dbfp:b4:m4:e5:median:inf"), {1.0f, 0.3f, -2.5f, 1.8f});
  EXPECT_EQ(inf[1], 0.25f);
  EXPECT_EQ(inf[2], -std::numeric_limits<float>::infinity());
  EXPECT_EQ(inf[3], 1.75f);  // 1.8/0.125 = 14.4 -> 14, the largest finite code
}

TEST(BlockfpFormat, Rounding) {
  // E = 1 (max 2.0), m 4: step 0.25. 0.3125 -> 1.25 RNE 1; 0.375 -> 1.5 RNE 2; 0.625 -> 2.5 RNE 2;
  // 0.7 -> 2.8: RNE 3, truncate 2.
  std::vector<float> x{2.0f, 0.3125f, 0.375f, 0.625f, 0.7f};
  EXPECT_EQ(roundtrip(parse_format("dbfp:b5:m4:e5"), x),
            std::vector<float>({2.0f, 0.25f, 0.5f, 0.5f, 0.75f}));
  EXPECT_EQ(roundtrip(parse_format("dbfp:b5:m4:e5:trunc"), x),
            std::vector<float>({2.0f, 0.25f, 0.25f, 0.5f, 0.5f}));
  // Stochastic rounding of 2.8 steps: only 2 or 3 steps, mean 2.8.
  auto f = parse_format("dbfp:b2:m4:e5:sr");
  double mean = 0;
  const int N = 20000;
  for (int s = 0; s < N; ++s) {
    float in[2] = {2.0f, 0.7f}, out[2];
    quantize(f, in, out, 2, static_cast<uint64_t>(s));
    ASSERT_TRUE(out[1] == 0.5f || out[1] == 0.75f) << out[1];
    mean += out[1] / N;
  }
  EXPECT_NEAR(mean, 0.7, 0.005);
}

TEST(BlockfpFormat, OutlierAwarePivot) {
  // exponents 6, 0, 0, 0: the top one is >= 2 binades above the next -> pivot 0; 100 saturates to 1.875.
  auto f = parse_format("dbfp:b4:m4:e6:outlier1g2");
  EncodedBlock b;
  auto out = roundtrip(f, {100.0f, 1.0f, 1.5f, 1.25f}, &b);
  EXPECT_EQ(b.exponents, std::vector<int>({0}));
  EXPECT_EQ(out, std::vector<float>({1.875f, 1.0f, 1.5f, 1.25f}));
  // Without a gap the max is kept.
  EXPECT_EQ(encode_block(f, std::vector<float>{3.0f, 1.0f, 1.5f, 1.25f}.data(), 4).exponents, std::vector<int>({1}));
  // Percentile 100 = max, 0 = the smallest exponent.
  EXPECT_EQ(encode_block(parse_format("dbfp:b4:m4:e6:p100"), std::vector<float>{100.0f, 1.0f, 0.3f, 0.0f}.data(), 4)
                .exponents, std::vector<int>({6}));
  EXPECT_EQ(encode_block(parse_format("dbfp:b4:m4:e6:p0"), std::vector<float>{100.0f, 1.0f, 0.3f, 0.0f}.data(), 4)
                .exponents, std::vector<int>({-2}));
}

TEST(BlockfpFormat, AdaptiveGroupingSplitsWideBlocks) {
  // exponents 6, 0, -7, -6: range 13 > 3 -> high group {64} (E 6), low group {1, 0.01, 0.02} (max pivot, E 0).
  auto f = parse_format("dbfp:b4:m4:e8:split3");
  EncodedBlock b;
  auto out = roundtrip(f, {64.0f, 1.0f, 0.01f, 0.02f}, &b);
  EXPECT_EQ(b.exponents, std::vector<int>({6, 0}));
  EXPECT_EQ(b.group, std::vector<uint8_t>({0, 1, 1, 1}));
  EXPECT_EQ(out, std::vector<float>({64.0f, 1.0f, 0.0f, 0.0f}));
  // Without the split one exponent (6): 1.0 is lost too (step 8).
  EXPECT_EQ(roundtrip(parse_format("dbfp:b4:m4:e8"), {64.0f, 1.0f, 0.01f, 0.02f})[1], 0.0f);
  // Narrow block: not split.
  EXPECT_TRUE(encode_block(f, std::vector<float>{2.0f, 1.0f, 1.5f, 1.0f}.data(), 4).group.empty());
}

TEST(BlockfpFormat, ExponentRangeClampsAndNaN) {
  // e3: exponents in [-3, 3]. 100 (exp 6) -> E 3, step 2^(3-3) = 1 -> 100 saturates to 15.
  EXPECT_EQ(roundtrip(parse_format("dbfp:b2:m4:e3"), {100.0f, 2.0f}), std::vector<float>({15.0f, 2.0f}));
  // Tiny values: E clamps to -3, step 2^-6: 0.01 -> 0.64 -> 1 step.
  EXPECT_EQ(roundtrip(parse_format("dbfp:b2:m4:e3"), {0.01f, 0.0f})[0], std::ldexp(1.0f, -6));
  auto nan = roundtrip(parse_format("dbfp:b2:m4:e5"), {std::nanf(""), 1.0f});
  EXPECT_TRUE(std::isnan(nan[0]) && std::isnan(nan[1]));
  // inf: saturate policy -> largest code at the pivot of the finite elements; inf policy -> inf.
  const float inf = std::numeric_limits<float>::infinity();
  EXPECT_EQ(roundtrip(parse_format("dbfp:b2:m4:e5"), {-inf, 1.0f}), std::vector<float>({-1.875f, 1.0f}));
  EXPECT_EQ(roundtrip(parse_format("dbfp:b2:m4:e5:inf"), {-inf, 1.0f}), std::vector<float>({-inf, 1.0f}));
}

TEST(BlockfpFormat, RandomBlocksRoundTripAndErrorBound) {
  std::mt19937 rng(1);
  std::normal_distribution<float> nd(0.0f, 3.0f);
  for (int m : {2, 4, 8, 12}) {
    auto f = parse_format("dbfp:b16:m" + std::to_string(m) + ":e8");
    std::vector<float> x(160), q(160), q2(160);
    for (auto& v : x) v = nd(rng);
    quantize(f, x.data(), q.data(), 160);
    quantize(f, q.data(), q2.data(), 160);
    EXPECT_EQ(q, q2) << "quantised values must be fixed points (m=" << m << ")";
    for (int b = 0; b < 10; ++b) {
      float amax = 0;
      for (int i = 0; i < 16; ++i) amax = std::max(amax, std::fabs(x[b * 16 + i]));
      const float step = std::ldexp(1.0f, float_exponent(amax) - m + 1);
      for (int i = 0; i < 16; ++i) {
        // Error <= step/2, except near the block max, which saturates (<= 1 step) when it rounds up to 2^m.
        const float err = std::fabs(x[b * 16 + i] - q[b * 16 + i]);
        EXPECT_LE(err, std::fabs(x[b * 16 + i]) >= std::ldexp(step, m) - step ? step : step * 0.5f);
      }
    }
  }
}

TEST(BlockfpFormat, InfPolicyKeepsThePivotBinadeFinite) {
  // m4, max 1.9: E = 0 gives 1.9/0.125 = 15.2 > 14 (the largest finite code under inf): E becomes 1,
  // step 0.25: 1.9 -> 7.6 -> 8 (2.0), 0.5 -> 2. The saturating policy keeps E = 0 and clamps to 15.
  EncodedBlock b;
  auto inf = roundtrip(parse_format("dbfp:b2:m4:e5:inf"), {1.9f, 0.5f}, &b);
  EXPECT_EQ(b.exponents, std::vector<int>({1}));
  EXPECT_EQ(inf, std::vector<float>({2.0f, 0.5f}));
  EXPECT_EQ(roundtrip(parse_format("dbfp:b2:m4:e5:sat"), {1.9f, 0.5f}), std::vector<float>({1.875f, 0.5f}));
  // A non-max pivot below the top binade still lets the larger elements overflow.
  EXPECT_EQ(roundtrip(parse_format("dbfp:b3:m4:e5:p0:inf"), {8.0f, 0.5f, 0.75f})[0],
            std::numeric_limits<float>::infinity());
}
