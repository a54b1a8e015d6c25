// GAE and value normalisation against hand computations in float64.
#include <gtest/gtest.h>

#include <cmath>

#include "gae.h"

using namespace labkit::remalis_train;

TEST(Gae, MatchesTheDefinitionComputedByHand) {
  // r = (1, 0, 2), V = (0.5, 1.0, 1.5), episode ends after step 2; gamma 0.9, lambda 0.8.
  const double g = 0.9, l = 0.8;
  const double d2 = 2 - 1.5;                  // terminal: no bootstrap
  const double d1 = 0 + g * 1.5 - 1.0;        // 0.35
  const double d0 = 1 + g * 1.0 - 0.5;        // 1.4
  const double a2 = d2, a1 = d1 + g * l * a2, a0 = d0 + g * l * a1;
  const auto adv = gae_advantages({1, 0, 2}, {0.5, 1.0, 1.5}, {0, 0, 1}, 123.0, g, l);
  ASSERT_EQ(adv.size(), 3u);
  EXPECT_NEAR(adv[0], a0, 1e-12);
  EXPECT_NEAR(adv[1], a1, 1e-12);
  EXPECT_NEAR(adv[2], a2, 1e-12);
  EXPECT_NEAR(adv[0], 1.4 + 0.72 * (0.35 + 0.72 * 0.5), 1e-12);
}

TEST(Gae, BootstrapsFromTheLastValueAndStopsAtEpisodeBoundaries) {
  // Two episodes back to back: the first ends after step 0, so step 0 must not see step 1's value.
  const auto adv = gae_advantages({1, 1}, {0, 0}, {1, 0}, 10.0, 0.5, 1.0);
  EXPECT_NEAR(adv[0], 1.0, 1e-12);
  EXPECT_NEAR(adv[1], 1 + 0.5 * 10, 1e-12);
  // lambda = 1 gives the discounted return minus the value (Monte Carlo).
  const auto mc = gae_advantages({1, 2, 3}, {0.1, 0.2, 0.3}, {0, 0, 1}, 0, 0.9, 1.0);
  EXPECT_NEAR(mc[0], 1 + 0.9 * 2 + 0.81 * 3 - 0.1, 1e-12);
  // lambda = 0 gives the one-step TD error.
  const auto td = gae_advantages({1, 2, 3}, {0.1, 0.2, 0.3}, {0, 0, 1}, 0, 0.9, 0.0);
  EXPECT_NEAR(td[0], 1 + 0.9 * 0.2 - 0.1, 1e-12);
}

TEST(ValueNormaliser, DebiasedRunningMomentsAndRoundTrip) {
  ValueNormaliser n(0.9);
  n.update({1, 3});  // batch mean 2, mean square 5
  EXPECT_NEAR(n.mean(), 2.0, 1e-12);  // debiased: (0.1*2)/0.1
  EXPECT_NEAR(n.variance(), 1.0, 1e-12);
  n.update({10});  // mean = (0.9*0.2 + 0.1*10) / (0.9*0.1 + 0.1) = 1.18 / 0.19
  EXPECT_NEAR(n.mean(), 1.18 / 0.19, 1e-12);
  const double var = (0.9 * 0.5 + 0.1 * 100) / 0.19 - std::pow(1.18 / 0.19, 2);
  EXPECT_NEAR(n.variance(), var, 1e-9);
  EXPECT_NEAR(n.denormalise(n.normalise(7.25)), 7.25, 1e-12);
  EXPECT_NEAR(n.normalise(n.mean() + std::sqrt(var)), 1.0, 1e-12);
  ValueNormaliser copy(0.9);
  copy.set_state(n.state());
  EXPECT_EQ(copy.normalise(3.0), n.normalise(3.0));
}
