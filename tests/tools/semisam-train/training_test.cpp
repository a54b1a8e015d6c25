// Schedules and losses against float64 formulas written out here, the click samplers, and the SemiSAM+
// branch: its consistency term moves the specialist (non-zero gradient) while the release's
// x / (x + 1e-16) normalisation does not; the initial mask prompt does not leak across the batch.
#include <gtest/gtest.h>

#include <cmath>

#include "click_sampler.h"
#include "distance_transform.h"
#include "generalist.h"
#include "labkit/core/error.h"
#include "labkit/sammed3d/checkpoint.h"
#include "labkit/torchutil/tensor_files.h"
#include "losses.h"
#include "run_command.h"
#include "temp_dir.h"
#include "schedules.h"
#include "settings.h"

namespace ss = labkit::semisam_train;

TEST(SemisamSchedules, UpstreamValues) {
  EXPECT_DOUBLE_EQ(ss::sigmoid_rampup(0, 200), std::exp(-5.0));
  EXPECT_DOUBLE_EQ(ss::sigmoid_rampup(200, 200), 1.0);
  EXPECT_DOUBLE_EQ(ss::sigmoid_rampup(500, 200), 1.0);
  EXPECT_DOUBLE_EQ(ss::sigmoid_rampup(100, 200), std::exp(-5.0 * 0.25));
  EXPECT_DOUBLE_EQ(ss::poly_lr(0.01, 15000, 30000, 0.9), 0.01 * std::pow(0.5, 0.9));
  EXPECT_DOUBLE_EQ(ss::poly_lr(0.01, 0, 30000, 0.9), 0.01);
  EXPECT_DOUBLE_EQ(ss::ema_alpha(0, 0.99), 0.0);
  EXPECT_DOUBLE_EQ(ss::ema_alpha(1, 0.99), 0.5);
  EXPECT_DOUBLE_EQ(ss::ema_alpha(5000, 0.99), 0.99);
  // w(t) = 0.1 rampup(t // 150, 200): t = 449 -> 2.
  EXPECT_DOUBLE_EQ(ss::consistency_weight(0.1, 449, 150, 200), 0.1 * std::exp(-5.0 * std::pow(1 - 2.0 / 200, 2)));
  // The SAM weight ramps down: 0.1 at t = 0, 0.1 e^-5 at the end.
  EXPECT_DOUBLE_EQ(ss::sam_rampdown(0, 30000, 150, 200), 0.1);
  EXPECT_DOUBLE_EQ(ss::sam_rampdown(30000, 30000, 150, 200), 0.1 * std::exp(-5.0));
  EXPECT_DOUBLE_EQ(ss::uamt_threshold(0, 100), (0.75 + 0.25 * std::exp(-5.0)) * std::log(2.0));
}

TEST(SemisamLosses, MatchFloat64Formulas) {
  torch::manual_seed(4);
  const auto logits = torch::randn({2, 2, 3, 4, 5}, torch::kFloat64);
  const auto label = (torch::rand({2, 3, 4, 5}) > 0.6).to(torch::kLong);
  // Reference: explicit loops in double.
  const auto p = torch::softmax(logits, 1);
  double ce = 0, dice = 0;
  const int64_t n = label.numel();
  auto pa = p.accessor<double, 5>();
  auto la = label.accessor<int64_t, 4>();
  double inter[2] = {0, 0}, pp[2] = {0, 0}, yy[2] = {0, 0};
  for (int b = 0; b < 2; ++b)
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 4; ++j)
        for (int k = 0; k < 5; ++k) {
          const int64_t y = la[b][i][j][k];
          ce -= std::log(pa[b][y][i][j][k]);
          for (int c = 0; c < 2; ++c) {
            const double pc = pa[b][c][i][j][k], yc = y == c ? 1 : 0;
            inter[c] += pc * yc, pp[c] += pc * pc, yy[c] += yc * yc;
          }
        }
  ce /= double(n);
  for (int c = 0; c < 2; ++c) dice += 1 - (2 * inter[c] + 1e-5) / (pp[c] + yy[c] + 1e-5);
  dice /= 2;
  EXPECT_NEAR(ss::dice_loss(p, label).item<double>(), dice, 1e-12);
  EXPECT_NEAR(ss::supervised_loss(logits, label).item<double>(), 0.5 * (ce + dice), 1e-12);
  const auto teacher = torch::softmax(torch::randn_like(logits), 1);
  EXPECT_NEAR(ss::mt_consistency(logits, teacher).item<double>(), (p - teacher).pow(2).mean().item<double>(), 1e-12);
  // UA-MT: voxels with entropy under the threshold only, / (2 * count).
  const auto entropy = torch::rand({2, 1, 3, 4, 5}, torch::kFloat64);
  const auto mask = (entropy < 0.5).to(torch::kFloat64);
  const double expected = (mask * (p - teacher).pow(2)).sum().item<double>() / (2 * mask.sum().item<double>());
  EXPECT_NEAR(ss::uamt_consistency(logits, teacher, entropy, 0.5).item<double>(), expected, 1e-12);
  // Predictive entropy of a certain stack is ~0, of a 50/50 stack ln 2.
  const auto half = torch::full({4, 1, 2, 2, 2, 2}, 0.5, torch::kFloat64);
  EXPECT_NEAR(ss::predictive_entropy(half).mean().item<double>(), -std::log(0.5 + 1e-6), 1e-9);
}

namespace {

torch::Tensor cube_target(int64_t S, int64_t lo, int64_t hi) {
  auto t = torch::zeros({S, S, S}, torch::kBool);
  t.index_put_({torch::indexing::Slice(lo, hi), torch::indexing::Slice(lo, hi), torch::indexing::Slice(lo, hi)}, true);
  return t;
}

}  // namespace

TEST(SemisamClicks, RitmPicksDeepFalseNegativesWithTheRightLabel) {
  const int64_t S = 20;
  const auto target = cube_target(S, 5, 15);  // a 10^3 cube; the prediction is empty: all FN
  const auto pred = torch::zeros({S, S, S}, torch::kBool);
  std::mt19937_64 rng(1);
  for (int i = 0; i < 30; ++i) {
    const auto c = ss::ritm_click(pred, target, rng);
    EXPECT_TRUE(c.positive);
    // Distance to the nearest non-FN voxel (independent: the cube's faces): min over axes of
    // min(v - 4, 15 - v); the maximum is 5, so the click must lie where it exceeds 2.5.
    int64_t d = 100;
    for (auto v : c.voxel) d = std::min({d, v - 4, 15 - v});
    EXPECT_GT(d, 2) << c.voxel[0] << "," << c.voxel[1] << "," << c.voxel[2];
  }
  // A larger false positive region wins: a negative click inside it.
  auto fp_pred = cube_target(S, 0, 20);
  const auto c = ss::ritm_click(fp_pred, cube_target(S, 0, 3), rng);
  EXPECT_FALSE(c.positive);
  EXPECT_GE(c.voxel[0], 3);
  // Quirk 7: the label is read at (0, d, h), outside this cube, so a FN click comes out negative.
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(ss::ritm_click(pred, target, rng, true).positive);
}

TEST(SemisamClicks, ErrorRegionClicksAreErrorsLabeledByFn) {
  const int64_t S = 12;
  const auto target = cube_target(S, 2, 6), pred = cube_target(S, 4, 9);
  std::mt19937_64 rng(2);
  int pos = 0, neg = 0;
  for (int i = 0; i < 100; ++i) {
    const auto c = ss::error_region_click(pred, target, rng);
    const bool t = target[c.voxel[0]][c.voxel[1]][c.voxel[2]].item<bool>(), p = pred[c.voxel[0]][c.voxel[1]][c.voxel[2]].item<bool>();
    ASSERT_NE(t, p);
    EXPECT_EQ(c.positive, t);
    (c.positive ? pos : neg)++;
  }
  EXPECT_GT(pos, 10);
  EXPECT_GT(neg, 10);
  // No error left: a foreground voxel, positive.
  const auto c = ss::error_region_click(target, target, rng);
  EXPECT_TRUE(c.positive);
  EXPECT_TRUE(target[c.voxel[0]][c.voxel[1]][c.voxel[2]].item<bool>());
}

namespace {

std::string tiny_generalist(const std::string& name, uint64_t seed) {
  static const std::string dir = labkit::test::fresh_temp_dir("semisam_generalist");
  const auto path = dir + "/" + name + ".safetensors";
  auto m = labkit::sammed3d::init_model(labkit::sammed3d::SamConfig::tiny(), seed);
  labkit::sammed3d::save_model(*m, path);
  return path;
}

ss::SemisamSettings sam_settings(const std::string& prompt, std::vector<std::string> generalists) {
  auto s = ss::TrainSettings::defaults().semisam;
  s.enabled = true;
  s.prompt = prompt;
  s.clicks = 2;
  s.ritm_clicks = 1;
  s.generalists = std::move(generalists);
  return s;
}

// The gradient norm the SAM term alone puts on a specialist's logits.
double sam_gradient_norm(ss::SamBranch& branch, double* loss_value) {
  torch::manual_seed(7);
  const auto images = torch::randn({1, 1, 16, 32, 32});
  auto logits = torch::randn({1, 2, 16, 32, 32}).requires_grad_(true);
  std::mt19937_64 rng(3);
  auto loss = branch.consistency(images, logits, rng);
  *loss_value = loss.item<double>();
  loss.backward();
  return logits.grad().norm().item<double>();
}

}  // namespace

TEST(SemisamBranch, ConsistencyCarriesGradientUnlessUpstreamQuirks) {
  const auto g = tiny_generalist("a", 1);
  for (const char* prompt : {"point", "mask", "unc"}) {
    double loss = 0;
    ss::SamBranch intended(sam_settings(prompt, {g}), ss::UpstreamQuirks::all(false), torch::kCPU);
    const double grad = sam_gradient_norm(intended, &loss);
    EXPECT_GT(grad, 1e-4) << prompt;
    EXPECT_GT(loss, 0.0) << prompt;
    EXPECT_LT(loss, 1.0) << prompt;
    ss::SamBranch quirky(sam_settings(prompt, {g}), ss::UpstreamQuirks::all(true), torch::kCPU);
    const double q = sam_gradient_norm(quirky, &loss);
    EXPECT_LT(q, 1e-9) << prompt;  // x / (x + 1e-16)
    EXPECT_NEAR(loss, 1.0, 1e-9) << prompt;
  }
}

TEST(SemisamBranch, LoadsOnceUnlessQuirksAndTwoGeneralistsAverage) {
  const auto a = tiny_generalist("a2", 1), b = tiny_generalist("b2", 2);
  const auto none = ss::UpstreamQuirks::all(false);
  ss::SamBranch one(sam_settings("point", {a}), none, torch::kCPU);
  ss::SamBranch other(sam_settings("point", {b}), none, torch::kCPU);
  ss::SamBranch both(sam_settings("point", {a, b}), none, torch::kCPU);
  torch::manual_seed(8);
  const auto images = torch::randn({1, 1, 16, 32, 32});
  const auto fg = torch::rand({1, 1, 16, 32, 32});
  std::mt19937_64 r1(5), r2(5), r3(5);
  const auto pa = one.pseudo_label(images, fg, r1).probability;
  // The combined run draws generalist a's clicks first, then b's, from one stream.
  const auto pab = both.pseudo_label(images, fg, r3).probability;
  std::mt19937_64 r4(5);
  one.pseudo_label(images, fg, r4);
  const auto pb = other.pseudo_label(images, fg, r4).probability;
  EXPECT_TRUE(torch::allclose(pab, (pa + pb) / 2, 1e-6, 1e-6));
  EXPECT_EQ(one.describe()["loads"], 1);
  EXPECT_EQ(one.describe()["calls"], 2);
  ss::SamBranch quirky(sam_settings("point", {a}), ss::UpstreamQuirks::all(true), torch::kCPU);
  std::mt19937_64 r5(5);
  quirky.pseudo_label(images, fg, r5);
  quirky.pseudo_label(images, fg, r5);
  EXPECT_EQ(quirky.describe()["loads"], 3);  // rebuilt on every call, as the release
}

TEST(SemisamBranch, InitialMaskPromptIsPerSampleUnlessQuirk6) {
  const auto g = tiny_generalist("a3", 1);
  torch::manual_seed(9);
  const auto images = torch::randn({2, 1, 16, 32, 32});
  const auto fg = torch::rand({2, 1, 16, 32, 32});
  const auto other = torch::randn({1, 1, 16, 32, 32});  // a different sample 0
  struct Out {
    torch::Tensor probability, initial;  // sample 1's
  };
  auto run = [&](bool leak, const torch::Tensor& batch_images, bool batched) {
    ss::UpstreamQuirks q;  // only the leak, so that the maps stay continuous probabilities
    q.mask_leak = leak;
    ss::SamBranch branch(sam_settings("point", {g}), q, torch::kCPU);
    std::mt19937_64 rng(6);
    if (batched) {
      const auto pl = branch.pseudo_label(batch_images, fg, rng);
      return Out{pl.probability[1], pl.initial_masks[0][1]};
    }
    branch.pseudo_label(batch_images.narrow(0, 0, 1), fg.narrow(0, 0, 1), rng);
    const auto pl = branch.pseudo_label(batch_images.narrow(0, 1, 1), fg.narrow(0, 1, 1), rng);
    return Out{pl.probability[0], pl.initial_masks[0][0]};
  };
  // Intended: every sample starts from zeros, so sample 1 sees the same prompts alone or behind sample 0.
  const auto fixed = run(false, images, true);
  EXPECT_EQ(fixed.initial.abs().max().item<float>(), 0.0f);
  EXPECT_TRUE(torch::allclose(fixed.probability, run(false, images, false).probability));
  // Quirk 6: sample 1 starts from sample 0's last low-res logits: non-zero, and they change with sample 0.
  const auto leaked = run(true, images, true);
  EXPECT_GT(leaked.initial.abs().max().item<float>(), 0.0f);
  auto swapped = images.clone();
  swapped.narrow(0, 0, 1).copy_(other);
  EXPECT_FALSE(torch::allclose(leaked.initial, run(true, swapped, true).initial));
  // Alone (a new call) sample 1 starts from zeros even with the quirk: the leak is across the batch.
  EXPECT_EQ(run(true, images, false).initial.abs().max().item<float>(), 0.0f);
}

TEST(SemisamBranch, WrongArchitectureIsAnInputErrorNamingTheFile) {
  const auto dir = labkit::test::fresh_temp_dir("semisam_wrong_arch");
  auto m = labkit::sammed3d::init_model(labkit::sammed3d::SamConfig::tiny(), 1);
  auto tensors = labkit::sammed3d::state_dict(*m);
  tensors.erase(tensors.begin());
  labkit::torchutil::save_safetensors(dir + "/broken.safetensors", tensors);
  try {
    ss::SamBranch b(sam_settings("point", {dir + "/broken.safetensors"}), ss::UpstreamQuirks::all(false), torch::kCPU);
    FAIL() << "accepted a checkpoint with a tensor missing";
  } catch (const labkit::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("broken.safetensors"), std::string::npos) << e.what();
  }
}

// labkit::sammed3d generalists index (x, y, z); this tool's tensors are (z, y, x). The branch must hand the
// generalist the patch in its order and bring every map back: checked on a 64^3 patch (the tiny model's
// input size, so no resampling) in mask mode against the model called by hand on the transposed patch.
TEST(SemisamBranch, GeneralistSeesThePatchInItsXyzAxisOrder) {
  const auto t = torch::arange(2 * 3 * 4, torch::kFloat32).view({1, 1, 2, 3, 4});  // (z, y, x)
  const auto g = ss::to_generalist_axes(t);
  ASSERT_EQ(g.sizes(), (std::vector<int64_t>{1, 1, 4, 3, 2}));
  for (int64_t z = 0; z < 2; ++z)
    for (int64_t y = 0; y < 3; ++y)
      for (int64_t x = 0; x < 4; ++x) EXPECT_EQ(g[0][0][x][y][z].item<float>(), t[0][0][z][y][x].item<float>());
  EXPECT_TRUE(torch::equal(ss::from_generalist_axes(g), t));

  const auto path = tiny_generalist("axes", 4);
  ss::SamBranch branch(sam_settings("mask", {path}), ss::UpstreamQuirks::all(false), torch::kCPU);
  torch::manual_seed(10);
  // An image and a foreground that differ along z and x, so that a transposition shows.
  auto image = torch::randn({1, 1, 64, 64, 64});
  auto fg = torch::zeros({1, 1, 64, 64, 64});
  fg.narrow(2, 8, 20).narrow(3, 16, 30).narrow(4, 30, 30).fill_(1);
  std::mt19937_64 rng(1);
  const auto got = branch.pseudo_label(image, fg, rng).probability;
  auto model = labkit::sammed3d::load_model(path, torch::kCPU);
  model->eval();
  torch::NoGradGuard no_grad;
  auto by_hand = [&](const torch::Tensor& img, const torch::Tensor& f) {
    const auto L = model->config.low_res_size();
    const auto prompt = torch::nn::functional::interpolate(
        f, torch::nn::functional::InterpolateFuncOptions().size(std::vector<int64_t>{L, L, L}).mode(torch::kNearest));
    return torch::sigmoid(model->upscale(model->decode(model->encode(img), {}, {}, prompt).low_res_logits));
  };
  const auto expected = by_hand(image.permute({0, 1, 4, 3, 2}), fg.permute({0, 1, 4, 3, 2})).permute({0, 1, 4, 3, 2});
  EXPECT_TRUE(torch::allclose(got, expected, 1e-5, 1e-6));
  // Without the permutation the answer differs: the test can tell the two apart.
  EXPECT_FALSE(torch::allclose(got, by_hand(image, fg), 1e-3, 1e-3));
}
