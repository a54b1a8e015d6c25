// Quantizers against hand-computed values: grids, scales, zero points, groups, clip search, int4 packing.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "labkit/core/error.h"
#include "quant.h"

using namespace labkit::ostquant_calibrate;

TEST(Quant, ParseSettings) {
  auto s = parse_setting("W4A4KV4");
  EXPECT_EQ(s.w_bits, 4);
  EXPECT_EQ(s.a_bits, 4);
  EXPECT_EQ(s.kv_bits, 4);
  EXPECT_EQ(parse_setting("w4a16").name(), "W4A16");
  EXPECT_EQ(parse_setting("W3A8KV8").kv_bits, 8);
  EXPECT_FALSE(parse_setting("W4A16").any_act());
  EXPECT_THROW(parse_setting("W4"), labkit::InputError);
  EXPECT_THROW(parse_setting("W1A16"), labkit::InputError);
}

TEST(Quant, AsymmetricPerTokenHandComputed) {
  // 2 bits: xmin -1, xmax 2 -> s = 3/3 = 1, zp = 1; grid {-1, 0, 1, 2}; 0.5 rounds half-to-even to 0.
  auto x = torch::tensor({-1.0, 0.0, 0.5, 2.0}, torch::kDouble).view({1, 4});
  auto q = fake_quant_asym(x, 2);
  EXPECT_TRUE(torch::allclose(q, torch::tensor({-1.0, 0.0, 0.0, 2.0}, torch::kDouble).view({1, 4})));
  // All-positive row: xmin is clamped to 0 -> s = 3.75/15 = 0.25 at 4 bits, 0.375 -> 0.5 (1.5 -> 2).
  auto y = torch::tensor({0.375, 3.75}, torch::kDouble).view({1, 2});
  EXPECT_TRUE(torch::allclose(fake_quant_asym(y, 4), torch::tensor({0.5, 3.75}, torch::kDouble).view({1, 2})));
  // Groups of 2 quantize independently: per group max error <= s/2.
  auto z = torch::tensor({0.0, 1.0, 0.0, 100.0}, torch::kDouble).view({1, 4});
  auto zg = fake_quant_asym(z, 2, 2);
  EXPECT_NEAR(zg[0][1].item<double>(), 1.0, 1e-12);
  auto zn = fake_quant_asym(z, 2, 0);
  EXPECT_NEAR(zn[0][1].item<double>(), 0.0, 1e-12);  // lost without groups
  // Each token has its own scale.
  auto two = torch::tensor({0.0, 1.0, 0.0, 100.0}, torch::kDouble).view({2, 2});
  EXPECT_TRUE(torch::allclose(fake_quant_asym(two, 2), two));
}

TEST(Quant, SymmetricPerChannelAndClipSearch) {
  // 3 bits: grid [-4, 3]; row max |.| 4 at the negative end -> s = max(-4/-4, 2/3) = 1.
  auto w = torch::tensor({-4.0, 2.0, 1.0, 0.4}, torch::kDouble).view({1, 4});
  auto r = quantize_weight_sym(w, 3, false);
  EXPECT_TRUE(torch::equal(r.codes, torch::tensor({-4, 2, 1, 0}, torch::kChar).view({1, 4})));
  EXPECT_NEAR(r.scales[0].item<float>(), 1.0f, 1e-6);
  // Clip search never does worse than no clipping, and helps rows with one outlier.
  torch::manual_seed(0);
  auto g = torch::randn({16, 256}, torch::kDouble);
  g.index_put_({torch::indexing::Slice(), 0}, 12.0);
  auto e0 = (quantize_weight_sym(g, 4, false).dequant - g).pow(2).sum(1);
  auto e1 = (quantize_weight_sym(g, 4, true).dequant - g).pow(2).sum(1);
  EXPECT_TRUE((e1 <= e0 + 1e-12).all().item<bool>());
  EXPECT_LT(e1.sum().item<double>(), 0.9 * e0.sum().item<double>());
}

TEST(Quant, KvGroupAdaptsToHeadDim) {
  EXPECT_EQ(kv_group_size(8), 8);
  EXPECT_EQ(kv_group_size(64), 64);
  EXPECT_EQ(kv_group_size(128), 128);
  EXPECT_EQ(kv_group_size(256), 128);
  EXPECT_EQ(kv_group_size(192), 96);
}

// The reference's gradient, written out per element in float64: with u = x/s, r = round(u) and q_i =
// (clamp(r_i + zp) - zp)·s, dL/dx_i = c_i [inside the grid] + (Σ_k c_k·dq_k/ds)·ds/dx_i, where dq_k/ds =
// r_k - u_k inside the grid, (bound - zp) when clamped, and ds/dx = clip/qmax at the max, -clip/qmax at the min.
// (The previous straight-through version gave c_i everywhere: the range term was missing.)
TEST(Quant, ActivationFakeQuantGradientFlowsThroughTheRange) {
  const int bits = 3;
  const double qmax = 7, clip = 0.9;
  auto x = torch::tensor({-1.3, 0.2, 2.9, 0.71, -0.4, 1.6}, torch::kDouble).view({1, 6});
  auto c = torch::tensor({0.5, -1.0, 2.0, 0.3, 1.5, -0.7}, torch::kDouble).view({1, 6});
  auto xg = x.clone().requires_grad_(true);
  (fake_quant_asym(xg, bits, 0, clip) * c).sum().backward();

  auto xa = x.accessor<double, 2>()[0];
  auto ca = c.accessor<double, 2>()[0];
  const double xmin = -1.3 * clip, xmax = 2.9 * clip, s = (xmax - xmin) / qmax, zp = std::round(-xmin / s);
  double dL_ds = 0;
  std::vector<double> expect(6, 0.0);
  for (int i = 0; i < 6; ++i) {
    const double u = xa[i] / s, r = std::round(u), level = r + zp;
    if (level < 0 || level > qmax) {
      dL_ds += ca[i] * ((level < 0 ? 0 : qmax) - zp);
    } else {
      expect[i] += ca[i];
      dL_ds += ca[i] * (r - u);
    }
  }
  expect[2] += dL_ds * clip / qmax;   // argmax
  expect[0] -= dL_ds * clip / qmax;   // argmin
  for (int i = 0; i < 6; ++i) EXPECT_NEAR(xg.grad()[0][i].item<double>(), expect[i], 1e-12) << i;
  // The forward value is unchanged: the grid's dequantized levels.
  auto q = fake_quant_asym(x, bits, 0, clip);
  auto levels = (q / s + zp).round();
  EXPECT_LT((q - (levels - zp) * s).abs().max().item<double>(), 1e-12);
}

TEST(Quant, WeightFakeQuantPassesGradientOnTheGridOnly) {
  torch::manual_seed(5);
  auto W = torch::randn({4, 64}, torch::kDouble);  // Gaussian rows: the MSE clip search clips their tails
  auto Wg = W.clone().requires_grad_(true);
  auto q = fake_quant_weight_sym(Wg, 3, true);
  q.sum().backward();
  auto wq = quantize_weight_sym(W, 3, true);
  EXPECT_LT((q.detach() - wq.dequant).abs().max().item<double>(), 1e-7);  // scales pass through float32
  // Gradient 1 where W/s lies inside [qmin, qmax], 0 where the clip search clipped it.
  auto u = W / wq.scales.to(torch::kDouble).unsqueeze(1);
  auto inside = (u >= -4.5) & (u <= 3.5);  // round(u) within [-4, 3]
  EXPECT_TRUE(torch::equal(Wg.grad(), inside.to(torch::kDouble)));
  EXPECT_TRUE((~inside).any().item<bool>());  // some weights were clipped, so the zeros are exercised
}

TEST(Quant, Int4PackRoundTrip) {
  auto codes = torch::randint(-8, 8, {5, 7}, torch::kChar);
  auto packed = pack_int4(codes);
  EXPECT_EQ(packed.sizes(), torch::IntArrayRef({5, 4}));
  EXPECT_EQ(packed.scalar_type(), torch::kByte);
  EXPECT_TRUE(torch::equal(unpack_int4(packed, 7), codes));
  // Low nibble first, two's complement: (-1, 2) -> 0x2F.
  EXPECT_EQ(pack_int4(torch::tensor({-1, 2}, torch::kChar).view({1, 2}))[0][0].item<uint8_t>(), 0x2F);
}
