// OCP MX formats against values computed by hand from the OCP Microscaling spec v1.0 and microxcaling's
// mx_ops.py (shared_exp = floor(log2 max|x|) - emax_elem; elements saturate; NaN when the scale overflows).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "labkit/blockfp/format.h"
#include "roundtrip.h"

using namespace labkit::blockfp;

namespace {
std::vector<float> mx_roundtrip(const std::string& spec, const std::vector<float>& x, EncodedBlock* enc = nullptr) {
  return labkit::test::roundtrip(parse_format(spec), x, enc);
}
}  // namespace

TEST(BlockfpMx, ElementMaxima) {
  // Largest normal: E4M3 S.1111.110 = 1.75·2^8, E5M2 S.11110.11 = 1.75·2^15, E3M2 1.75·2^4, E2M3 1.875·2^2,
  // E2M1 1.5·2^2; INT8 127·2^-6.
  EXPECT_EQ(mx_decode_element(MxElement::kFp8E4M3, 0x7E), 448.0f);
  EXPECT_TRUE(std::isnan(mx_decode_element(MxElement::kFp8E4M3, 0x7F)));
  EXPECT_EQ(mx_decode_element(MxElement::kFp8E5M2, 0x7B), 57344.0f);
  EXPECT_EQ(mx_decode_element(MxElement::kFp8E5M2, 0x7C), std::numeric_limits<float>::infinity());
  EXPECT_EQ(mx_decode_element(MxElement::kFp6E3M2, 0x1F), 28.0f);
  EXPECT_EQ(mx_decode_element(MxElement::kFp6E2M3, 0x1F), 7.5f);
  EXPECT_EQ(mx_decode_element(MxElement::kFp4E2M1, 0x7), 6.0f);
  EXPECT_EQ(mx_decode_element(MxElement::kInt8, 0x7F), 1.984375f);
  EXPECT_EQ(mx_decode_element(MxElement::kInt8, 0x81), -1.984375f);
  for (auto e : {MxElement::kFp8E4M3, MxElement::kFp8E5M2, MxElement::kFp6E3M2, MxElement::kFp6E2M3,
                 MxElement::kFp4E2M1, MxElement::kInt8}) {
    const auto i = mx_info(e);
    EXPECT_EQ(mx_decode_element(e, mx_encode_element(e, i.max_normal * 4, Rounding::kNearestEven, 0)), i.max_normal)
        << i.name << " saturates";
    EXPECT_EQ(mx_decode_element(e, mx_encode_element(e, -i.max_normal, Rounding::kNearestEven, 0)), -i.max_normal);
  }
  // Smallest subnormals: E4M3 2^-9, E5M2 2^-16, E2M1 0.5.
  EXPECT_EQ(mx_decode_element(MxElement::kFp8E4M3, 0x01), std::ldexp(1.0f, -9));
  EXPECT_EQ(mx_decode_element(MxElement::kFp8E5M2, 0x01), std::ldexp(1.0f, -16));
  EXPECT_EQ(mx_decode_element(MxElement::kFp4E2M1, 0x1), 0.5f);
}

TEST(BlockfpMx, SharedExponentAndElements) {
  // E4M3: max 3 -> floor(log2 3) = 1, shared = 1 - 8 = -7; 3·2^7 = 384 = 1.5·2^8 (0 1111 100 = 0x7C),
  // 1·2^7 = 128 (0 1110 000 = 0x70).
  EncodedBlock b;
  auto out = mx_roundtrip("mxfp8_e4m3", {3.0f, 1.0f, -1.0f, 0.0f}, &b);
  EXPECT_EQ(b.exponents, std::vector<int>({-7}));
  EXPECT_EQ(b.codes[0], 0x7Cu);
  EXPECT_EQ(b.codes[1], 0x70u);
  EXPECT_EQ(b.codes[2], 0xF0u);
  EXPECT_EQ(out, std::vector<float>({3.0f, 1.0f, -1.0f, 0.0f}));
  // E2M1: max 7 -> shared = 2 - 2 = 0; 7 > 6 saturates to 6 (the known MX clipping of the block max);
  // 0.5 is the subnormal 0 00 1; 0.25 -> 0.5 steps -> ties to even -> 0; 0.75 -> 1.5 steps -> 2 -> 1.0.
  EXPECT_EQ(mx_roundtrip("mxfp4_e2m1", {7.0f, 0.5f, 0.25f, 0.75f}), std::vector<float>({6.0f, 0.5f, 0.0f, 1.0f}));
  // INT8: max 1.99 -> shared 0 -> 127.36 -> 127 = 1.984375; max 3.99 -> shared 1 -> 1.995·64 = 127.68 -> 128
  // clamps to 127 -> 3.96875. 0.5 with shared 1: 0.25·64 = 16 -> 0.5.
  EXPECT_EQ(mx_roundtrip("mxint8", {1.99f, 0.5f}), std::vector<float>({1.984375f, 0.5f}));
  EXPECT_EQ(mx_roundtrip("mxint8", {3.99f, 0.5f}), std::vector<float>({3.96875f, 0.5f}));
  // E5M2: max 1000 -> floor(log2) 9 -> shared 9 - 15 = -6: 1000·64 = 64000 -> 1.953·2^15 -> rounds to
  // 2^16 > 57344 -> saturates; decoded 57344·2^-6 = 896.
  EXPECT_EQ(mx_roundtrip("mxfp8_e5m2", {1000.0f, 1.0f})[0], 896.0f);
  // E3M2 / E2M3: max 20 -> floor(log2) 4: E3M2 shared 0 (20 = 1.25·2^4 exact); E2M3 shared 2: 20/4 = 5.
  EXPECT_EQ(mx_roundtrip("mxfp6_e3m2", {20.0f, 0.3f})[0], 20.0f);
  EXPECT_EQ(mx_roundtrip("mxfp6_e2m3", {20.0f, 0.3f})[0], 20.0f);
}

TEST(BlockfpMx, ScaleLimits) {
  // Scale overflow (inf in the block: log2 inf) -> the whole block is NaN (E8M0 0xFF).
  EncodedBlock b;
  auto out = mx_roundtrip("mxfp8_e4m3", {std::numeric_limits<float>::infinity(), 1.0f}, &b);
  EXPECT_TRUE(b.nan);
  EXPECT_TRUE(std::isnan(out[0]) && std::isnan(out[1]));
  EXPECT_TRUE(std::isnan(mx_roundtrip("mxint8", {std::nanf(""), 1.0f})[1]));
  // Scale underflow clamps to -127: 2^-140 (floor log2 - 8 = -148) -> -127, element 2^-13 -> 0 in E4M3.
  auto tiny = mx_roundtrip("mxfp8_e4m3", {std::ldexp(1.0f, -140), 0.0f}, &b);
  EXPECT_EQ(b.exponents, std::vector<int>({-127}));
  EXPECT_EQ(tiny[0], 0.0f);
  // All zeros: max 0 -> FP32 min normal -> -126 - emax.
  mx_roundtrip("mxfp8_e4m3", {0.0f, 0.0f}, &b);
  EXPECT_EQ(b.exponents, std::vector<int>({-127}));
  mx_roundtrip("mxint8", {0.0f, 0.0f}, &b);
  EXPECT_EQ(b.exponents, std::vector<int>({-126}));
}

TEST(BlockfpMx, BlockOf32AndGridRoundTrip) {
  // Every E4M3 value times a scale is a fixed point of quantisation.
  std::vector<float> x(32);
  for (int i = 0; i < 32; ++i) x[i] = mx_decode_element(MxElement::kFp8E4M3, static_cast<uint32_t>(0x40 + i)) * 0.25f;
  x[31] = 448.0f * 0.25f;  // the block max sets shared = floor(log2 112) - 8 = -2
  std::vector<float> q(64);
  auto f = parse_format("mxfp8_e4m3");
  EXPECT_EQ(f.block, 32);
  std::vector<float> xx = x;
  xx.insert(xx.end(), x.begin(), x.end());
  quantize(f, xx.data(), q.data(), 64);
  EXPECT_EQ(std::vector<float>(q.begin(), q.begin() + 32), x);
  EXPECT_EQ(std::vector<float>(q.begin() + 32, q.end()), x);
}
