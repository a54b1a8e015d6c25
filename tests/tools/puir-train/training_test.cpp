// PUIR's loss units and training step against float64 hand computations (reference puir.md "Checks worth
// having" 2): the masked reconstruction, rot90 round trips, InfoNCE (0 at batch 1), the anchor update
// rule, block corruption, one optimizer step per modality, and a step that repeats exactly.
#include <gtest/gtest.h>

#include <cmath>

#include "augment.h"
#include "labkit/core/tool.h"
#include "losses.h"
#include "run_command.h"
#include "settings.h"
#include "synthesis.h"
#include "trainer.h"

namespace pt = labkit::puir_train;

TEST(PuirLosses, ReconstructionIsTenTimesMaskedPlusPlainMse) {
  torch::manual_seed(0);
  auto out = torch::randn({1, 2, 3, 4, 5}, torch::kFloat64), target = torch::randn({1, 2, 3, 4, 5}, torch::kFloat64);
  double masked = 0, count = 0, plain = 0;
  auto o = out.flatten(), t = target.flatten();
  for (int64_t i = 0; i < o.numel(); ++i) {
    const double e = std::pow(o[i].item<double>() - t[i].item<double>(), 2);
    plain += e;
    if (t[i].item<double>() >= -0.35) masked += e, count += 1;
  }
  const double expected = 10 * masked / count + plain / o.numel();
  EXPECT_NEAR(pt::reconstruction_loss(out, target, 10, -0.35).item<double>(), expected, 1e-12);
  // No foreground: only the plain MSE is left (upstream would divide by zero).
  EXPECT_NEAR(pt::reconstruction_loss(out, target - 100, 10, -0.35).item<double>(),
              (out - target + 100).pow(2).mean().item<double>(), 1e-9);
}

TEST(PuirLosses, RotatingBackIsTheIdentity) {
  auto x = torch::randn({4, 2, 6, 6, 5});  // training crops are cubes: the rotated plane is square
  std::vector<int64_t> k{0, 1, 2, 3}, back{0, 3, 2, 1};
  EXPECT_TRUE(torch::equal(pt::rotate_batch(pt::rotate_batch(x, k), back), x));
  EXPECT_FALSE(torch::equal(pt::rotate_batch(x, {1, 1, 1, 1}), x));
  // k = 1 rotates the batch's dims (2, 3): x[d][h] lands at (H-1-h, d), torch.rot90's convention.
  auto y = pt::rotate_batch(x, {1, 0, 0, 0});
  EXPECT_TRUE(torch::equal(y[0][1][5 - 2][4], x[0][1][4][2]));
  EXPECT_TRUE(torch::equal(y[1], x[1]));
}

TEST(PuirLosses, InfoNceIsZeroAtBatchOneAndHasNegativesAbove) {
  torch::manual_seed(1);
  auto z1 = torch::randn({1, 8}, torch::kFloat64), z2 = torch::randn({1, 8}, torch::kFloat64);
  EXPECT_EQ(pt::contrastive_loss(z1, z2, 0.1).item<double>(), 0.0);
  z1 = torch::randn({3, 8}, torch::kFloat64) * 0.1, z2 = torch::randn({3, 8}, torch::kFloat64) * 0.1;
  double expected = 0;
  for (int i = 0; i < 3; ++i) {
    double denom = 0;
    for (int j = 0; j < 3; ++j) denom += std::exp((z1[i] * z2[j]).sum().item<double>() / 0.1);
    expected += -std::log(std::exp((z1[i] * z2[i]).sum().item<double>() / 0.1) / denom);
  }
  EXPECT_NEAR(pt::contrastive_loss(z1, z2, 0.1).item<double>(), expected / 3, 1e-12);
}

TEST(PuirLosses, AnchorIsARunningPairwiseMean) {
  const auto x1 = torch::full({2}, 8.0), x2 = torch::full({2}, 4.0), x3 = torch::full({2}, 2.0);
  auto a = pt::update_anchor(torch::Tensor(), x1);  // the first visit starts it
  EXPECT_TRUE(torch::equal(a, x1));
  EXPECT_EQ(pt::anchor_loss(x1, a).item<float>(), 0.f);
  a = pt::update_anchor(pt::update_anchor(a, x2), x3);
  // (((x1 + x1)/2 + x2)/2 + x3)/2 = x1/4 + x2/4 + x3/2: later modalities weigh more.
  EXPECT_FLOAT_EQ(a[0].item<float>(), 8.0f / 4 + 4.0f / 4 + 2.0f / 2);
  auto x = torch::full({2}, 1.0).requires_grad_(true);
  auto loss = pt::anchor_loss(x, a);
  loss.backward();
  EXPECT_FLOAT_EQ(loss.item<float>(), 9.0f);          // (1 - 4)^2
  EXPECT_FLOAT_EQ(x.grad()[0].item<float>(), -3.0f);  // d/dx_i mean((x - a)^2) over 2 = (x_i - a), a held fixed
}

TEST(PuirAugment, DropBlocksIsSeededAndFillsNoiseInZeroToOne) {
  // 32 voxels per side: blocks of 1 to 8 voxels per side, so 1-voxel blocks occur (their noise has
  // max == min; upstream's rescaling divides 0 by 0 there).
  auto x = torch::full({2, 1, 32, 32, 32}, -5.0f);
  auto a = pt::Settings::defaults().augment;
  a.drop_fraction = 0.3;
  std::mt19937_64 r1(4), r2(4);
  torch::manual_seed(3);
  auto y1 = pt::drop_blocks(x, a, r1);
  torch::manual_seed(3);
  auto y2 = pt::drop_blocks(x, a, r2);
  EXPECT_TRUE(torch::equal(y1, y2));
  EXPECT_EQ(x.max().item<float>(), -5.0f);  // the input is untouched
  const auto changed = y1 != -5.0f;
  EXPECT_GT(changed.sum().item<int64_t>(), 0);
  EXPECT_GE(y1.masked_select(changed).min().item<float>(), 0.0f);
  EXPECT_LE(y1.masked_select(changed).max().item<float>(), 1.0f);
}

namespace {

// A Run from labkit::Tool (the only way to make one), for a body that needs it.
int with_run(const std::string& out, const std::vector<std::string>& extra, const std::function<void(labkit::Run&)>& body) {
  labkit::ToolSpec spec;
  spec.name = "puir-train-test";
  spec.default_config = pt::default_config();
  spec.uses_resume = true;
  labkit::Tool tool(spec);
  std::vector<std::string> args{"puir-train-test", "--out", out, "--force", "--threads", "1", "--log-level", "warn"};
  args.insert(args.end(), extra.begin(), extra.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  return tool.main(static_cast<int>(argv.size()), argv.data(), body);
}

std::vector<pt::CaseVolume> tiny_cases(int n, int64_t modalities, int64_t edge) {
  std::vector<pt::CaseVolume> cases;
  torch::manual_seed(11);
  for (int i = 0; i < n; ++i) {
    pt::CaseVolume c;
    c.name = "c" + std::to_string(i);
    c.dims = {edge, edge, edge};
    auto t = torch::randn({modalities, edge, edge, edge}).contiguous();
    c.data.assign(t.data_ptr<float>(), t.data_ptr<float>() + t.numel());
    cases.push_back(std::move(c));
  }
  return cases;
}

const std::vector<std::string> kTiny{"--set", "network.feature_size=12", "--set", "network.roi=32",
                                     "--set", "network.prior_heads=1",   "--set", "modalities=[\"t1n\",\"t2w\"]"};

}  // namespace

TEST(PuirTrainer, OneStepPerModalityAndExactRepeats) {
  labkit::test::TempDir dir("puir-trainer");
  std::vector<torch::Tensor> after;
  for (int run = 0; run < 2; ++run) {
    const int rc = with_run(dir / ("r" + std::to_string(run)), kTiny, [&](labkit::Run& r) {
      auto s = pt::Settings::from_config(r.config());
      pt::Trainer t(s, tiny_cases(2, 2, 32), r, torch::kCPU);
      const auto rec = t.step(0, t.batch(0));
      EXPECT_EQ(rec.optimizer_steps, 2);  // t1n and t2w: one AdamW step each
      EXPECT_GT(rec.contrastive, 0.0);     // two patients: real negatives
      EXPECT_GT(rec.anchor, 0.0);          // the second modality is pulled toward the first's X_h
      EXPECT_TRUE(std::isfinite(rec.total));
      after.push_back(t.network()->prior->static_prior.detach().clone());
    });
    ASSERT_EQ(rc, 0);
  }
  EXPECT_TRUE(torch::equal(after[0], after[1]));
}

TEST(PuirSynthesis, RetrievalFindsIdenticalEmbeddingsAndScoresBackground) {
  std::vector<std::vector<torch::Tensor>> e;
  for (int p = 0; p < 4; ++p) e.push_back({torch::randn({16}), torch::randn({16})});
  for (auto& row : e) row[1] = row[0] * 2 + 0.01 * torch::randn({16});  // same direction per patient
  EXPECT_DOUBLE_EQ(pt::retrieval_top1(e), 1.0);
  // A perfect prediction up to scale scores SSIM 1 / PSNR inf after the channel-wise z-score.
  auto truth = torch::randn({8, 9, 10});
  truth = (truth - truth.mean()) / truth.std(false);
  const auto s = pt::score_pair(truth * 3 + 1, truth, -100.0);
  EXPECT_NEAR(s.ssim, 1.0, 1e-5);
  EXPECT_LT(s.mse, 1e-10);
}
