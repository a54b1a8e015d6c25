// PUIR's network: the shape trace of reference puir.md "Checks worth having" 1 at 96^3 (small feature
// size), Swin window mechanics against hand-computed cases, the prior block's layout.
#include <gtest/gtest.h>

#include "puir_network.h"
#include "swin3d.h"

namespace pt = labkit::puir_train;

namespace {

std::vector<int64_t> shape(const torch::Tensor& t) { return t.sizes().vec(); }

}  // namespace

TEST(PuirNetwork, ShapeTraceAt96) {
  torch::manual_seed(0);
  torch::NoGradGuard g;
  pt::NetworkSpec spec{4, 12, 96, 3, true};
  pt::PuirNetwork net(spec);
  auto x = torch::randn({1, 4, 96, 96, 96});
  auto o = net->forward(x);  // one pass (about 20 s on one core): the encoder stages come with it
  const auto& hidden = o.encoder_stages;
  ASSERT_EQ(hidden.size(), 5u);
  EXPECT_EQ(shape(hidden[0]), (std::vector<int64_t>{1, 12, 48, 48, 48}));
  EXPECT_EQ(shape(hidden[1]), (std::vector<int64_t>{1, 24, 24, 24, 24}));
  EXPECT_EQ(shape(hidden[2]), (std::vector<int64_t>{1, 48, 12, 12, 12}));
  EXPECT_EQ(shape(hidden[3]), (std::vector<int64_t>{1, 96, 6, 6, 6}));
  EXPECT_EQ(shape(hidden[4]), (std::vector<int64_t>{1, 192, 3, 3, 3}));
  // Prior attention: sequence = the 192 channels, embedding = 27 voxels, 3 heads; fusion conv 3*192 -> 192.
  EXPECT_EQ(shape(net->prior->static_prior), (std::vector<int64_t>{1, 192, 3, 3, 3}));
  EXPECT_EQ(net->prior->attention->options.embed_dim(), 27);
  EXPECT_EQ(net->prior->attention->options.num_heads(), 3);
  EXPECT_EQ(shape(net->prior->fuse_to_X->weight), (std::vector<int64_t>{192, 576, 3, 3, 3}));
  EXPECT_EQ(shape(o.x_h), (std::vector<int64_t>{1, 192, 3, 3, 3}));
  EXPECT_EQ(shape(o.reconstruction), (std::vector<int64_t>{1, 4, 96, 96, 96}));
  EXPECT_EQ(shape(o.rotation), (std::vector<int64_t>{1, 4}));
  EXPECT_EQ(shape(o.contrastive), (std::vector<int64_t>{1, 512}));
}

TEST(PuirNetwork, TinyNetworkBatchOfTwoAndBaseline) {
  torch::manual_seed(1);
  torch::NoGradGuard g;
  pt::NetworkSpec spec{3, 12, 32, 1, true};
  pt::PuirNetwork net(spec);
  auto x = torch::randn({2, 3, 32, 32, 32});
  auto o = net->forward(x);
  EXPECT_EQ(shape(o.x_h), (std::vector<int64_t>{2, 192, 1, 1, 1}));
  EXPECT_EQ(shape(o.reconstruction), (std::vector<int64_t>{2, 3, 32, 32, 32}));
  // Each sample's X_h depends on that sample only (the prior is shared, not mixed across the batch).
  EXPECT_TRUE(torch::allclose(net->x_h(x.narrow(0, 1, 1)), o.x_h.narrow(0, 1, 1), 1e-4, 1e-4));
  spec.prior = false;
  pt::PuirNetwork baseline(spec);
  EXPECT_FALSE(baseline->prior);
  EXPECT_EQ(shape(baseline->forward(x).x_h), (std::vector<int64_t>{2, 192, 1, 1, 1}));
  EXPECT_LT(pt::parameter_count(*baseline), pt::parameter_count(*net));
}

TEST(Swin3d, WindowPartitionRoundTrip) {
  auto x = torch::randn({2, 6, 4, 8, 3});
  pt::Window w{3, 2, 4};
  auto win = pt::window_partition(x, w);
  EXPECT_EQ(shape(win), (std::vector<int64_t>{2 * 2 * 2 * 2, 24, 3}));
  EXPECT_TRUE(torch::equal(pt::window_reverse(win, w, 2, 6, 4, 8), x));
  // The first window holds voxels [0,3) x [0,2) x [0,4) of sample 0, x fastest last.
  EXPECT_TRUE(torch::equal(win[0][5], x[0][0][1][1]));
}

TEST(Swin3d, WindowShrinksToSmallStagesAndStopsShifting) {
  pt::Window w{7, 7, 7}, s{3, 3, 3};
  pt::fit_window({6, 12, 7}, w, s);
  EXPECT_EQ(w, (pt::Window{6, 7, 7}));
  EXPECT_EQ(s, (pt::Window{0, 3, 0}));
}

TEST(Swin3d, ShiftedWindowMaskSeparatesWrappedRegions) {
  // One axis of 4 with window 2 and shift 1 (others 1 voxel, unshifted): regions [0,2), [2,3), [3,4).
  auto m = pt::shifted_window_mask({4, 1, 1}, {2, 1, 1}, {1, 0, 0});
  ASSERT_EQ(shape(m), (std::vector<int64_t>{2, 2, 2}));
  EXPECT_EQ(m[0].abs().sum().item<float>(), 0.f);  // window 0: voxels 0, 1, same region
  EXPECT_EQ(m[1][0][1].item<float>(), -100.f);      // window 1: voxel 2 vs voxel 3
  EXPECT_EQ(m[1][0][0].item<float>(), 0.f);
}

TEST(Swin3d, PatchMergingTakesMonaisEightParts) {
  // Channel c of the merged vector is the part's voxel: with the identity-like layout below, the parts'
  // values show which neighbours MONAI's PatchMerging concatenates (x2 == x5, x3 == x6).
  pt::PatchMerging pm(1);
  auto x = torch::zeros({1, 2, 2, 2, 1});
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 2; ++j)
      for (int k = 0; k < 2; ++k) x[0][i][j][k][0] = 4 * i + 2 * j + k;
  torch::NoGradGuard g;
  pm->norm->weight.fill_(1), pm->norm->bias.zero_();
  pm->reduction->weight.zero_();
  pm->reduction->weight[0][2].fill_(1);  // output 0 = normalised part 2 (0,1,0)
  pm->reduction->weight[1][5].fill_(1);  // output 1 = normalised part 5: also (0,1,0)
  auto y = pm->forward(x);
  EXPECT_EQ(shape(y), (std::vector<int64_t>{1, 1, 1, 1, 2}));
  EXPECT_FLOAT_EQ(y[0][0][0][0][0].item<float>(), y[0][0][0][0][1].item<float>());
}
