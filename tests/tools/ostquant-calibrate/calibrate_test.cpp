// Stiefel optimisation (Cayley retraction, Riemannian Adam), KL-Top, and calibration training on
// stories260K: loss decreases, rotations stay orthogonal, checkpoint + resume equals an uninterrupted run.
#include <gtest/gtest.h>

#include "calibrate.h"
#include "labkit/core/error.h"
#include "labkit/llama/tokenizer.h"
#include "data.h"
#include "labkit/llama/forward.h"
#include "labkit/llama/hadamard.h"
#include "pipeline.h"
#include "run_command.h"
#include "stiefel.h"
#include "test_util.h"

using namespace labkit::ostquant_calibrate;

TEST(Stiefel, CayleyKeepsOrthogonalityAndTangentIsSkew) {
  auto X = labkit::llama::random_orthogonal(16, 1);
  auto G = torch::randn({16, 16}, torch::kDouble);
  auto U = stiefel_tangent(X, G);
  auto XtU = X.t().mm(U);
  EXPECT_LT((XtU + XtU.t()).abs().max().item<double>(), 1e-12);
  auto Y = cayley_retract(X, 0.3 * U);
  EXPECT_LT((Y.t().mm(Y) - torch::eye(16, torch::kDouble)).abs().max().item<double>(), 1e-12);
  EXPECT_GT((Y - X).abs().max().item<double>(), 1e-3);
}

TEST(Stiefel, RiemannianAdamFindsATargetRotation) {
  // A target in the identity's component (det +1): the Cayley transform of a random skew matrix.
  auto B = torch::randn({8, 8}, torch::kDouble);
  auto I8 = torch::eye(8, torch::kDouble);
  auto Q = torch::linalg_solve(I8 - 0.5 * (B - B.t()), I8 + 0.5 * (B - B.t())).unsqueeze(0).repeat({3, 1, 1});
  auto R = torch::eye(8, torch::kDouble).unsqueeze(0).repeat({3, 1, 1}).requires_grad_(true);
  RiemannianAdam opt({{{R}, 0.02, true}});
  double first = 0, last = 0;
  for (int i = 0; i < 400; ++i) {
    auto loss = (R - Q).pow(2).sum();
    if (i == 0) first = loss.item<double>();
    last = loss.item<double>();
    opt.zero_grad();
    loss.backward();
    opt.step(1.0 - i / 400.0);
    torch::NoGradGuard ng;
    ASSERT_LT((R.transpose(1, 2).matmul(R) - torch::eye(8, torch::kDouble)).abs().max().item<double>(), 1e-10);
  }
  EXPECT_LT(last, 0.05 * first);
}

TEST(KlTop, MatchesFullKlWhenKIsVocabAndIsZeroForEqualLogits) {
  auto t = torch::randn({2, 3, 10}, torch::kFloat), s = torch::randn({2, 3, 10}, torch::kFloat);
  EXPECT_NEAR(kl_top_loss(t, t, 5).item<double>(), 0.0, 1e-7);
  auto p = torch::log_softmax(t, -1), q = torch::log_softmax(s, -1);
  auto full = (p.exp() * (p - q)).sum().item<double>() / 6.0;
  EXPECT_NEAR(kl_top_loss(t, s, 1000).item<double>(), full, 1e-5);  // k clamps to vocab
  // k = 1: only the teacher's top token: p_top (log p_top - log q_top), averaged over tokens.
  auto idx = t.argmax(-1, true);
  auto want = (p.gather(-1, idx).exp() * (p.gather(-1, idx) - q.gather(-1, idx))).sum().item<double>() / 6.0;
  EXPECT_NEAR(kl_top_loss(t, s, 1).item<double>(), want, 1e-6);
}

namespace {
struct CalibSetup {
  labkit::llama::Model fused32;
  std::vector<TokenStream> calib;
  QuantSetting s = parse_setting("W4A4KV4");
  CalibSetup() {
    fused32 = fuse_norms(test::stories()).to(torch::kFloat);
    calib = sample_streams(test::stories(), 8, 32, 11);
  }
  double loss_on_calib(const Transforms& t) {
    torch::NoGradGuard ng;
    std::vector<torch::Tensor> rows;
    for (auto& c : calib) rows.push_back(torch::tensor(c, torch::kLong));
    auto tok = torch::stack(rows);
    auto hooks = activation_quant_hooks(s, 8);
    return kl_top_loss(labkit::llama::forward(test::stories(), tok),
                       labkit::llama::forward(apply_transforms(fused32, t), tok, nullptr, &hooks), 1000)
        .item<double>();
  }
};
}  // namespace

TEST(Calibrate, TrainingLowersKlTopAndKeepsRotationsOrthogonal) {
  CalibSetup su;
  su.calib = sample_streams(test::stories(), 16, 64, 11);
  auto t = rotation_init(test::stories().config, su.s, {"orthogonal", 0});
  const double before = su.loss_on_calib(t);
  TrainOptions o = test::default_train_options();
  o.steps = 30;
  o.batch = 4;
  o.smooth_lr = 0.01;
  auto log = train_transforms(test::stories(), su.fused32, t, su.s, su.calib, o);
  ASSERT_EQ(log.loss.size(), 30u);
  for (double e : log.ortho) EXPECT_LT(e, 1e-5);
  const double after = su.loss_on_calib(t);
  EXPECT_LT(after, before) << "before " << before << " after " << after;
  // Scales moved away from 1 and rotations away from their start.
  EXPECT_GT(t.s_ud[0].abs().max().item<double>(), 1e-3);
}

TEST(Calibrate, ResumeFromCheckpointEqualsUninterruptedRun) {
  CalibSetup su;
  TrainOptions o = test::default_train_options();
  o.steps = 6;
  o.batch = 2;
  auto full = rotation_init(test::stories().config, su.s, {"orthogonal", 0});
  train_transforms(test::stories(), su.fused32, full, su.s, su.calib, o);

  auto dir = labkit::test::fresh_temp_dir("ostq_resume");
  o.checkpoint = dir + "/ck.safetensors";
  o.checkpoint_every = 100;
  o.stop_after = 3;  // "interrupted" after 3 steps
  auto part = rotation_init(test::stories().config, su.s, {"orthogonal", 0});
  auto l1 = train_transforms(test::stories(), su.fused32, part, su.s, su.calib, o);
  EXPECT_EQ(l1.loss.size(), 3u);
  auto resumed = rotation_init(test::stories().config, su.s, {"orthogonal", 0});
  o.stop_after = -1;
  o.resume = true;
  auto l2 = train_transforms(test::stories(), su.fused32, resumed, su.s, su.calib, o);
  EXPECT_EQ(l2.resumed_from, 3);
  EXPECT_EQ(l2.loss.size(), 6u);
  EXPECT_LT((resumed.R_res - full.R_res).abs().max().item<double>(), 1e-9);
  EXPECT_LT((resumed.s_qk[2] - full.s_qk[2]).abs().max().item<double>(), 1e-9);
}

TEST(Data, TextWindowsAndShortCalibrationError) {
  labkit::llama::Llama2cTokenizer tok(std::string(LABKIT_SHARED_DATA_DIR) + "/llm/llama2c_tokenizer.bin", 32000);
  const std::string text = std::string(LABKIT_SHARED_DATA_DIR) + "/llm/tinystories_sample.txt";
  auto w = text_windows(text, tok, 64, 0, 1);
  ASSERT_GE(w.size(), 5u);
  for (const auto& s : w) EXPECT_EQ(s.size(), 64u);
  EXPECT_EQ(w[0][0], 1);  // BOS
  EXPECT_EQ(text_windows(text, tok, 64, 2, 1).size(), 2u);
  try {
    text_windows(text, tok, 4096, 0, 1);
    FAIL();
  } catch (const labkit::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("tinystories_sample.txt"), std::string::npos) << e.what();
  }
}
