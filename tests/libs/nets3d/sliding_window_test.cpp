// The sliding window (semisam-train, puir-train) against an identity network and hand-computed windows.
#include <gtest/gtest.h>

#include <cmath>

#include "labkit/nets3d/sliding_window.h"

namespace nets3d = labkit::nets3d;

TEST(SlidingWindow, StartsAsUpstream) {
  EXPECT_EQ(nets3d::window_starts(128, 128, 64), (std::vector<int64_t>{0}));
  EXPECT_EQ(nets3d::window_starts(200, 128, 64), (std::vector<int64_t>{0, 64, 72}));
  EXPECT_EQ(nets3d::window_starts(10, 4, 3), (std::vector<int64_t>{0, 3, 6}));  // ceil(6/3) + 1
  EXPECT_EQ(nets3d::window_starts(11, 4, 3), (std::vector<int64_t>{0, 3, 6, 7}));  // the last one clamped to 11 - 4
}

TEST(SlidingWindow, IdentityNetworkGivesTheInputBack) {
  torch::manual_seed(3);
  // Axis 1 is smaller than the patch (padded and cropped back); overlapping windows elsewhere.
  const auto image = torch::randn({21, 6, 17});
  int calls = 0;
  nets3d::PatchPredictor identity = [&](const torch::Tensor& x) {
    ++calls;
    return torch::cat({x, 1 - x}, 1);
  };
  for (bool gaussian : {false, true}) {
    calls = 0;
    nets3d::SlidingWindowSettings s{{8, 8, 8}, {5, 4, 3}, gaussian};
    const auto out = nets3d::sliding_window(image, identity, s);
    ASSERT_EQ(out.sizes(), (std::vector<int64_t>{2, 21, 6, 17}));
    EXPECT_TRUE(torch::allclose(out[0], image, 1e-5, 1e-5)) << gaussian;
    EXPECT_TRUE(torch::allclose(out[1], 1 - image, 1e-5, 1e-5)) << gaussian;
    EXPECT_EQ(calls, 4 * 1 * 4);  // 21: starts 0,5,10,13; 6 padded to 8: one; 17: 0,3,6,9
  }
}

TEST(SlidingWindow, GaussianWeightsPeakInTheCentre) {
  const auto w = nets3d::window_weights({8, 8, 8}, true);
  // Centre at 3.5, sigma 1: the four middle voxels per axis are 0.5 off, exp(-0.125) per axis; scaled to max 1.
  EXPECT_FLOAT_EQ(w.max().item<float>(), 1.0f);
  EXPECT_NEAR(w[0][3][3].item<float>(), std::exp(-(3.5 * 3.5 - 0.25) / 2), 1e-6);
  EXPECT_GT(w.min().item<float>(), 0.f);
  EXPECT_GT(w[3][3][3].item<float>(), w[0][3][3].item<float>());
}

TEST(SlidingWindow, SeveralInputChannelsReachTheNetwork) {
  torch::manual_seed(4);
  const auto image = torch::randn({3, 10, 9, 12});
  nets3d::PatchPredictor swap = [](const torch::Tensor& x) { return x.flip({1}); };  // channels reversed
  const auto out = nets3d::sliding_window(image, swap, {{8, 8, 8}, {4, 4, 4}, true});
  ASSERT_EQ(out.sizes(), (std::vector<int64_t>{3, 10, 9, 12}));
  EXPECT_TRUE(torch::allclose(out, image.flip({0}), 1e-5, 1e-5));
}
