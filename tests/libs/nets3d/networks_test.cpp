// nets3d: output shapes, parameter counts against upstream's layer lists (counted here from the Python
// definitions, independently of the C++ modules), upstream parameter names, init and clone.
#include <gtest/gtest.h>

#include <cmath>

#include "labkit/nets3d/network.h"
#include "labkit/nets3d/unetr_blocks.h"
#include "labkit/nets3d/unet3d.h"

namespace n3 = labkit::nets3d;

namespace {

// Conv3d / ConvTranspose3d with bias: k^3 * in * out + out.
int64_t conv(int64_t in, int64_t out, int64_t k) { return k * k * k * in * out + out; }

// SSL4MIS unet_3D(in_channels=1, n_classes=2, feature_scale=4) with filters f = base * [1,2,4,8,16]:
// conv1..conv4 and center are UnetConv3 (two k3 convs, InstanceNorm affine=False: no parameters),
// up_concat{4..1} are UnetUp3_CT = UnetConv3(f[i+1] + f[i] -> f[i]), final is a 1x1 conv.
int64_t upstream_unet3d_count(int64_t b, int64_t in, int64_t classes) {
  const int64_t f[5] = {b, 2 * b, 4 * b, 8 * b, 16 * b};
  auto unetconv3 = [](int64_t i, int64_t o) { return conv(i, o, 3) + conv(o, o, 3); };
  int64_t p = unetconv3(in, f[0]);
  for (int i = 0; i < 4; ++i) p += unetconv3(f[i], f[i + 1]);
  for (int i = 3; i >= 0; --i) p += unetconv3(f[i + 1] + f[i], f[i]);
  return p + conv(f[0], classes, 1);
}

// UA-MT VNet(n_channels=1, n_classes=2, n_filters=n, normalization='batchnorm'): ConvBlock(stages) of k3
// convs each with BatchNorm (2 * C affine parameters), stride-2 k2 down/up convs with BatchNorm.
int64_t upstream_vnet_count(int64_t n, int64_t in, int64_t classes) {
  auto block = [](int stages, int64_t i, int64_t o) {
    int64_t p = 0;
    for (int s = 0; s < stages; ++s) p += conv(s == 0 ? i : o, o, 3) + 2 * o;
    return p;
  };
  auto rs = [](int64_t i, int64_t o) { return conv(i, o, 2) + 2 * o; };
  return block(1, in, n) + rs(n, 2 * n) + block(2, 2 * n, 2 * n) + rs(2 * n, 4 * n) + block(3, 4 * n, 4 * n) +
         rs(4 * n, 8 * n) + block(3, 8 * n, 8 * n) + rs(8 * n, 16 * n) + block(3, 16 * n, 16 * n) +
         rs(16 * n, 8 * n) + block(3, 8 * n, 8 * n) + rs(8 * n, 4 * n) + block(3, 4 * n, 4 * n) + rs(4 * n, 2 * n) +
         block(2, 2 * n, 2 * n) + rs(2 * n, n) + block(1, n, n) + conv(n, classes, 1);
}

n3::NetworkSpec spec(const std::string& arch, int64_t base) {
  n3::NetworkSpec s;
  s.arch = arch;
  s.base_filters = base;
  return s;
}

}  // namespace

TEST(Nets3d, ParameterCountsMatchUpstreamAtWidthOne) {
  // The published sizes: unet_3D 5.88 M, V-Net 9.45 M parameters.
  EXPECT_EQ(upstream_unet3d_count(16, 1, 2), 5884050);
  EXPECT_EQ(upstream_vnet_count(16, 1, 2), 9448866);
  EXPECT_EQ(n3::parameter_count(*n3::make_network(spec("unet_3D", 16))), 5884050);
  EXPECT_EQ(n3::parameter_count(*n3::make_network(spec("vnet", 16))), 9448866);
  for (int64_t b : {2, 4, 8}) {
    EXPECT_EQ(n3::parameter_count(*n3::make_network(spec("unet_3D", b))), upstream_unet3d_count(b, 1, 2)) << b;
    EXPECT_EQ(n3::parameter_count(*n3::make_network(spec("vnet", b))), upstream_vnet_count(b, 1, 2)) << b;
  }
}

TEST(Nets3d, OutputShapeIsClassesAtInputSize) {
  torch::manual_seed(0);
  for (const char* arch : {"unet_3D", "vnet"}) {
    auto net = n3::make_network(spec(arch, 2));
    auto y = net->forward(torch::randn({2, 1, 16, 32, 48}));
    EXPECT_EQ(y.sizes(), (std::vector<int64_t>{2, 2, 16, 32, 48})) << arch;
    EXPECT_TRUE(torch::isfinite(y).all().item<bool>());
  }
  // unet_3D's decoder needs sizes divisible by 16.
  EXPECT_THROW(n3::make_network(spec("unet_3D", 2))->forward(torch::randn({1, 1, 24, 16, 16})), std::exception);
  EXPECT_THROW(n3::make_network(spec("resnet", 2)), std::invalid_argument);
}

TEST(Nets3d, UpstreamParameterNames) {
  auto u = n3::make_network(spec("unet_3D", 2))->named_parameters();
  for (const char* k : {"conv1.conv1.0.weight", "conv1.conv2.0.bias", "center.conv2.0.weight",
                        "up_concat1.conv.conv1.0.weight", "final.weight"})
    EXPECT_TRUE(u.contains(k)) << k;
  EXPECT_EQ(u["up_concat4.conv.conv1.0.weight"].sizes(), (std::vector<int64_t>{16, 48, 3, 3, 3}));
  auto v = n3::make_network(spec("vnet", 2));
  auto vp = v->named_parameters();
  for (const char* k : {"block_one.conv.0.weight", "block_one.conv.1.weight", "block_three.conv.6.weight",
                        "block_five_up.conv.0.weight", "out_conv.weight"})
    EXPECT_TRUE(vp.contains(k)) << k;
  EXPECT_TRUE(v->named_buffers().contains("block_one.conv.1.running_mean"));
}

TEST(Nets3d, KaimingNormalFanInConvWeights) {
  torch::manual_seed(1);
  auto net = n3::make_network(spec("unet_3D", 16));
  // center.conv2.0: 256 -> 256, k3: fan_in 6912, std sqrt(2 / fan_in).
  auto w = net->named_parameters()["center.conv2.0.weight"];
  const double expected = std::sqrt(2.0 / (256.0 * 27));
  EXPECT_NEAR(w.std().item<double>(), expected, expected * 0.01);
  EXPECT_NEAR(w.mean().item<double>(), 0.0, expected * 0.01);
}

TEST(Nets3d, CloneCopiesValuesNotStorage) {
  auto net = n3::make_network(spec("vnet", 2));
  auto copy = n3::clone_network(*net);
  auto a = net->named_parameters(), b = copy->named_parameters();
  for (auto& p : a) EXPECT_TRUE(torch::equal(p.value(), b[p.key()])) << p.key();
  {
    torch::NoGradGuard g;
    a["out_conv.bias"].add_(1.0);
  }
  EXPECT_FALSE(torch::equal(a["out_conv.bias"], b["out_conv.bias"]));
  net->eval(), copy->eval();
  auto x = torch::randn({1, 1, 16, 16, 16});
  EXPECT_FALSE(torch::allclose(net->forward(x), copy->forward(x)));
}

// MONAI's UNETR blocks: names and sizes counted from monai/networks/blocks (dynunet_block, unetr_block).
TEST(Nets3d, UnetrBlocksHaveMonaisNamesAndSizes) {
  n3::UnetrUpBlock up(32, 16);
  auto p = up->named_parameters();
  EXPECT_EQ(p["transp_conv.weight"].sizes(), (std::vector<int64_t>{32, 16, 2, 2, 2}));  // (in, out, k, k, k)
  EXPECT_EQ(p["conv_block.conv1.weight"].sizes(), (std::vector<int64_t>{16, 32, 3, 3, 3}));
  EXPECT_EQ(p["conv_block.conv3.weight"].sizes(), (std::vector<int64_t>{16, 32, 1, 1, 1}));
  EXPECT_EQ(p.size(), 4u);  // transp_conv, conv1, conv2, conv3: no biases, no affine norms
  auto y = up->forward(torch::randn({1, 32, 4, 4, 4}), torch::randn({1, 16, 8, 8, 8}));
  EXPECT_EQ(y.sizes(), (std::vector<int64_t>{1, 16, 8, 8, 8}));
  EXPECT_THROW(up->forward(torch::randn({1, 32, 4, 4, 4}), torch::randn({1, 16, 9, 8, 8})), std::invalid_argument);
  n3::UnetOutBlock out(16, 4);
  EXPECT_EQ(out->named_parameters()["conv.bias"].numel(), 4);
}

TEST(Nets3d, UnetResBlockAddsItsInputBeforeTheLastActivation) {
  // With conv2 zeroed, norm2(0) = 0 and the block returns LeakyReLU(x) (same channel count: no conv3).
  n3::UnetResBlock b(6, 6);
  EXPECT_FALSE(b->conv3);
  {
    torch::NoGradGuard g;
    b->conv2->weight.zero_();
  }
  auto x = torch::randn({2, 6, 5, 5, 5});
  EXPECT_TRUE(torch::allclose(b->forward(x), torch::where(x > 0, x, 0.01 * x), 1e-6, 1e-6));
}
