// float16 / bfloat16 conversions against an independent double-precision reference.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "labkit/tensorio/half.h"

namespace labkit::tensorio {
namespace {

// Value of a binary16 pattern from its definition, in double.
double half_value(uint16_t h) {
  const int s = h >> 15, e = (h >> 10) & 0x1f, m = h & 0x3ff;
  double v;
  if (e == 0x1f) v = m ? NAN : INFINITY;
  else if (e == 0) v = std::ldexp(m, -24);
  else v = std::ldexp(1024 + m, e - 25);
  return s ? -v : v;
}

float bits_to_float(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

// Nearest binary16 by search over the (monotone) positive patterns, ties to the even pattern.
uint16_t reference_to_half(float f) {
  const double a = std::fabs(static_cast<double>(f));
  const uint16_t sign = std::signbit(f) ? 0x8000 : 0;
  if (a >= 65520.0) return sign | 0x7c00;  // 65504 + half an ulp (16) and above round to inf
  uint16_t lo = 0, hi = 0x7bff;            // largest pattern with value <= a
  while (lo < hi) {
    const uint16_t mid = static_cast<uint16_t>((lo + hi + 1) / 2);
    if (half_value(mid) <= a) lo = mid;
    else hi = static_cast<uint16_t>(mid - 1);
  }
  if (lo == 0x7bff) return sign | lo;
  const double dlo = a - half_value(lo), dhi = half_value(static_cast<uint16_t>(lo + 1)) - a;
  if (dlo < dhi || (dlo == dhi && (lo & 1) == 0)) return sign | lo;
  return sign | static_cast<uint16_t>(lo + 1);
}

TEST(Half, KnownPatterns) {
  EXPECT_EQ(half_to_float(0x3c00), 1.0f);
  EXPECT_EQ(half_to_float(0xc000), -2.0f);
  EXPECT_EQ(half_to_float(0x7bff), 65504.0f);
  EXPECT_EQ(half_to_float(0x0001), std::ldexp(1.0f, -24));
  EXPECT_EQ(half_to_float(0x0400), std::ldexp(1.0f, -14));
  EXPECT_TRUE(std::isinf(half_to_float(0xfc00)) && half_to_float(0xfc00) < 0);
  EXPECT_TRUE(std::signbit(half_to_float(0x8000)));
  EXPECT_EQ(float_to_half(1.0f), 0x3c00);
  EXPECT_EQ(float_to_half(0.1f), 0x2e66);
  EXPECT_EQ(float_to_half(65504.0f), 0x7bff);
  EXPECT_EQ(float_to_half(65519.0f), 0x7bff);
  EXPECT_EQ(float_to_half(65520.0f), 0x7c00);
  EXPECT_EQ(float_to_half(-1e9f), 0xfc00);
  EXPECT_EQ(float_to_half(std::ldexp(1.0f, -25)), 0x0000);                 // tie between 0 and min: even
  EXPECT_EQ(float_to_half(std::nextafter(std::ldexp(1.0f, -25), 1.f)), 0x0001);
  EXPECT_EQ(float_to_half(std::ldexp(3.0f, -25)), 0x0002);                 // tie 1.5 ulp -> even (2)
}

TEST(Half, EveryHalfWidensExactlyAndNarrowsBack) {
  for (uint32_t h = 0; h <= 0xffff; ++h) {
    const auto bits = static_cast<uint16_t>(h);
    const float f = half_to_float(bits);
    const double ref = half_value(bits);
    if (std::isnan(ref)) {
      EXPECT_TRUE(std::isnan(f)) << h;
      EXPECT_TRUE(std::isnan(half_to_float(float_to_half(f)))) << h;
      continue;
    }
    ASSERT_EQ(static_cast<double>(f), ref) << std::hex << h;
    ASSERT_EQ(float_to_half(f), bits) << std::hex << h;
  }
}

TEST(Half, NarrowingMatchesReferenceAtMidpointsAndAcrossFloats) {
  // Exact midpoints between neighbouring halves (ties) and their float neighbours.
  for (uint32_t h = 0; h < 0x7bff; ++h) {
    const double mid = (half_value(static_cast<uint16_t>(h)) + half_value(static_cast<uint16_t>(h + 1))) / 2;
    const float fm = static_cast<float>(mid);  // exact: midpoints need at most 12 significant bits
    ASSERT_EQ(static_cast<double>(fm), mid);
    for (float f : {fm, std::nextafter(fm, 0.f), std::nextafter(fm, 1e30f), -fm}) {
      ASSERT_EQ(float_to_half(f), reference_to_half(f)) << f;
    }
  }
  // A stride through all finite float32 patterns (covers subnormal floats, huge values, both signs).
  for (uint64_t u = 0; u < 0x100000000ull; u += 4093) {
    const float f = bits_to_float(static_cast<uint32_t>(u));
    if (std::isnan(f)) {
      ASSERT_TRUE(std::isnan(half_to_float(float_to_half(f))));
      continue;
    }
    ASSERT_EQ(float_to_half(f), reference_to_half(f)) << std::hex << u;
  }
}

// Nearest bfloat16 in double: one of the two truncations around f, ties to even.
uint16_t reference_to_bf16(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  const auto lo = static_cast<uint16_t>(u >> 16);
  if ((u & 0xffff) == 0) return lo;
  const auto hi = static_cast<uint16_t>(lo + 1);  // next pattern away from zero (may become inf)
  const double a = std::fabs(static_cast<double>(f));
  const double dlo = a - std::fabs(static_cast<double>(bfloat16_to_float(lo)));
  const double vhi = (hi & 0x7fff) == 0x7f80 ? std::ldexp(1.0, 128) : std::fabs(static_cast<double>(bfloat16_to_float(hi)));
  const double dhi = vhi - a;
  if (dlo < dhi || (dlo == dhi && (lo & 1) == 0)) return lo;
  return hi;
}

TEST(BFloat16, WidenIsExactAndNarrowRoundsToNearestEven) {
  EXPECT_EQ(bfloat16_to_float(0x3f80), 1.0f);
  EXPECT_EQ(bfloat16_to_float(0xc040), -3.0f);
  EXPECT_EQ(float_to_bfloat16(1.0f), 0x3f80);
  EXPECT_EQ(float_to_bfloat16(bits_to_float(0x3f808000)), 0x3f80);  // tie, even stays
  EXPECT_EQ(float_to_bfloat16(bits_to_float(0x3f818000)), 0x3f82);  // tie, odd rounds up
  EXPECT_EQ(float_to_bfloat16(bits_to_float(0x7f7fffff)), 0x7f80);  // max float rounds to inf
  EXPECT_TRUE(std::isnan(bfloat16_to_float(float_to_bfloat16(NAN))));
  EXPECT_TRUE(std::isnan(bfloat16_to_float(float_to_bfloat16(bits_to_float(0x7f800001)))));  // NaN kept
  for (uint32_t h = 0; h <= 0xffff; ++h) {
    const float f = bfloat16_to_float(static_cast<uint16_t>(h));
    if (std::isnan(f)) continue;
    ASSERT_EQ(float_to_bfloat16(f), h) << std::hex << h;
  }
  for (uint64_t u = 0; u < 0x100000000ull; u += 4093) {
    const float f = bits_to_float(static_cast<uint32_t>(u));
    if (std::isnan(f) || std::isinf(f)) continue;
    ASSERT_EQ(float_to_bfloat16(f), reference_to_bf16(f)) << std::hex << u;
  }
}

}  // namespace
}  // namespace labkit::tensorio
