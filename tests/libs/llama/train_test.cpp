// Training: the schedule against its formula, the masked loss against a float64 log-sum-exp, one AdamW
// step against the update written out by hand, gradient accumulation, checkpoint + resume bit-exact, and
// batched generation (rows = single-prompt generation, greedy = argmax of a full recomputation) with stop
// strings.
#include <gtest/gtest.h>
#include <ATen/autocast_mode.h>
#include <torch/torch.h>

#include <cmath>
#include <algorithm>
#include <random>
#include <sstream>

#include "labkit/core/error.h"
#include "labkit/llama/eval.h"
#include "labkit/llama/io.h"
#include "labkit/llama/train.h"
#include "tiny_config.h"
#include "run_command.h"
#include "test_paths.h"

using namespace labkit::llama;

namespace {

using labkit::llama::test::tiny_config;

OptimizerSettings opt_settings() {
  OptimizerSettings s;
  s.lr = 3e-3, s.min_lr_ratio = 0.1, s.warmup_steps = 2, s.total_steps = 8, s.weight_decay = 0.1, s.grad_clip = 1.0;
  return s;
}

// Random sequences and a mask that makes the second half of each row the targets (as answer tokens).
Batch random_batch(std::mt19937_64& rng, int64_t B, int64_t T) {
  std::uniform_int_distribution<int64_t> tok(0, 10);
  auto tokens = torch::empty({B, T}, torch::kLong);
  auto mask = torch::zeros({B, T}, torch::kLong);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t t = 0; t < T; ++t) {
      tokens[b][t] = tok(rng);
      if (t >= T / 2) mask[b][t] = 1;
    }
  return {tokens, mask};
}

bool same_weights(const Model& a, const Model& b) {
  for (const auto& [k, t] : a.weights)
    if (!torch::equal(t, b.weights.at(k))) return false;
  return true;
}

}  // namespace

TEST(Train, LearningRateWarmsUpThenFollowsTheCosine) {
  auto s = opt_settings();
  EXPECT_DOUBLE_EQ(learning_rate(s, 0), 1.5e-3);
  EXPECT_DOUBLE_EQ(learning_rate(s, 1), 3e-3);
  EXPECT_NEAR(learning_rate(s, 2), 3e-3, 1e-15);                    // cosine starts at the peak
  EXPECT_NEAR(learning_rate(s, 5), 3e-3 * (0.1 + 0.9 * 0.5), 1e-15);  // half way: cos(pi/2) = 0
  EXPECT_NEAR(learning_rate(s, 8), 3e-4, 1e-15);
  EXPECT_NEAR(learning_rate(s, 100), 3e-4, 1e-15);  // stays at the floor
}

TEST(Train, InitIsSeededAndScaled) {
  auto a = init_model(tiny_config(), 7), b = init_model(tiny_config(), 7), c = init_model(tiny_config(), 8);
  EXPECT_TRUE(same_weights(a, b));
  EXPECT_FALSE(same_weights(a, c));
  check_weights(a.config, a.weights, "init");
  EXPECT_TRUE(torch::equal(a.w("model.norm.weight"), torch::ones({16})));
  EXPECT_NEAR(a.w("model.embed_tokens.weight").std().item<double>(), 0.02, 0.004);
}

TEST(Train, MaskedLossMatchesFloat64LogSumExp) {
  auto m = init_model(tiny_config(), 1);
  std::mt19937_64 rng(3);
  auto batch = random_batch(rng, 2, 9);
  auto [sum, n] = masked_nll_sum(m, batch.tokens, batch.target_mask);
  EXPECT_EQ(n, 2 * 5);  // positions 4..8 of each row
  auto logits = forward(m.to(torch::kDouble), batch.tokens).to(torch::kDouble);
  double want = 0;
  for (int64_t b = 0; b < 2; ++b)
    for (int64_t t = 1; t < 9; ++t) {
      if (batch.target_mask[b][t].item<int64_t>() == 0) continue;
      auto row = logits[b][t - 1];
      const double mx = row.max().item<double>();
      const double lse = mx + std::log((row - mx).exp().sum().item<double>());
      want += lse - row[batch.tokens[b][t].item<int64_t>()].item<double>();
    }
  EXPECT_NEAR(sum.item<double>(), want, 1e-4);
}

TEST(Train, FirstAdamWStepMatchesTheUpdateByHand) {
  auto m = init_model(tiny_config(), 2);
  auto before = m.clone();
  std::mt19937_64 rng(4);
  auto batch = random_batch(rng, 3, 10);
  // Reference gradient from a separate copy.
  auto ref = m.clone();
  for (auto& [k, t] : ref.weights) t.requires_grad_(true);
  auto [sum, n] = masked_nll_sum(ref, batch.tokens, batch.target_mask);
  (sum / static_cast<double>(n)).backward();
  auto s = opt_settings();
  s.grad_clip = 0;
  Trainer tr(m, s);
  auto r = tr.step({batch});
  EXPECT_EQ(tr.steps_done(), 1);
  EXPECT_DOUBLE_EQ(r.lr, 1.5e-3);
  // Step 1 of Adam: m_hat = g, v_hat = g^2, so w1 = w0 (1 - lr wd) - lr g / (|g| + eps); no decay on norms.
  for (const auto& [k, w0] : before.weights) {
    auto g = ref.weights.at(k).grad().to(torch::kDouble);
    const double wd = w0.dim() >= 2 ? s.weight_decay : 0.0;
    auto want = w0.to(torch::kDouble) * (1 - r.lr * wd) - r.lr * g / (g.abs() + s.eps);
    EXPECT_LT((m.weights.at(k).detach().to(torch::kDouble) - want).abs().max().item<double>(), 1e-6) << k;
  }
}

TEST(Train, AccumulatedMicroBatchesEqualOneBatch) {
  std::mt19937_64 rng(5);
  auto batch = random_batch(rng, 4, 8);
  auto a = init_model(tiny_config(), 3), b = init_model(tiny_config(), 3);
  Trainer ta(a, opt_settings()), tb(b, opt_settings());
  auto ra = ta.step({batch});
  auto rb = tb.step({{batch.tokens.narrow(0, 0, 1), batch.target_mask.narrow(0, 0, 1)},
                     {batch.tokens.narrow(0, 1, 3), batch.target_mask.narrow(0, 1, 3)}});
  EXPECT_NEAR(ra.loss, rb.loss, 1e-6);
  EXPECT_NEAR(ra.grad_norm, rb.grad_norm, 1e-5);
  for (const auto& [k, t] : a.weights) EXPECT_TRUE(torch::allclose(t, b.weights.at(k), 1e-5, 1e-6)) << k;
}

// bf16 mixed precision: the step's loss is the float32 loss within bfloat16's rounding (8 mantissa bits,
// relative 2^-8 per product, averaged over the logits) but not equal to it (autocast really ran), the
// master weights stay float32, and over 40 steps both precisions memorise a batch alike.
TEST(Train, Bf16AutocastStaysNearFloat32AndKeepsFloat32Masters) {
  std::mt19937_64 rng(21);
  std::vector<Batch> batches;
  const auto fixed = random_batch(rng, 4, 12);  // memorised: the loss must fall
  for (int i = 0; i < 40; ++i) batches.push_back(fixed);
  auto f32 = init_model(tiny_config(), 4), b16 = init_model(tiny_config(), 4);
  auto s16 = opt_settings();
  s16.total_steps = 40;
  auto s32 = s16;
  s16.bf16_autocast = true;
  Trainer t32(f32, s32), t16(b16, s16);
  std::vector<double> l32, l16;
  for (const auto& b : batches) l32.push_back(t32.step({b}).loss), l16.push_back(t16.step({b}).loss);
  EXPECT_NE(l32[0], l16[0]);
  EXPECT_NEAR(l16[0], l32[0], 1e-2 * l32[0]);
  for (const auto& [k, t] : b16.weights) EXPECT_EQ(t.scalar_type(), torch::kFloat) << k;
  EXPECT_FALSE(at::autocast::is_cpu_enabled());  // the scope ended with the step
  EXPECT_LT(l16.back(), 0.8 * l16.front());
  EXPECT_NEAR(l16.back(), l32.back(), 0.05 * l32.back());
}

TEST(Train, ResumeFromCheckpointIsBitIdentical) {
  const auto dir = labkit::test::fresh_temp_dir("llama_train_resume");
  auto run = [&](Model& m, Trainer& tr, std::mt19937_64& rng, int steps) {
    for (int i = 0; i < steps; ++i) tr.step({random_batch(rng, 2, 8), random_batch(rng, 2, 8)});
  };
  auto full = init_model(tiny_config(), 9);
  Trainer tf(full, opt_settings());
  std::mt19937_64 rf(11);
  run(full, tf, rf, 6);

  auto first = init_model(tiny_config(), 9);
  std::mt19937_64 r1(11);
  {
    Trainer t1(first, opt_settings());
    run(first, t1, r1, 2);
    std::ostringstream rng_state;
    rng_state << r1;
    t1.save(dir + "/ck", {{"rng", rng_state.str()}});
  }
  auto resumed = init_model(tiny_config(), 123);  // different weights: all must come from the checkpoint
  Trainer t2(resumed, opt_settings());
  auto state = t2.load(dir + "/ck");
  EXPECT_EQ(t2.steps_done(), 2);
  std::mt19937_64 r2;
  std::istringstream(state.at("rng").get<std::string>()) >> r2;
  run(resumed, t2, r2, 4);
  EXPECT_TRUE(same_weights(full, resumed));

  // Training lowered the loss on the data it saw, and a checkpoint for another architecture is refused.
  auto other_cfg = tiny_config();
  other_cfg.n_layers = 1;
  auto other = init_model(other_cfg, 1);
  Trainer t3(other, opt_settings());
  EXPECT_THROW(t3.load(dir + "/ck"), labkit::InputError);
  EXPECT_THROW(t3.load(dir + "/missing"), labkit::InputError);
}

TEST(Train, LearnsACopyTaskAndGreedyGenerationReproducesIt) {
  // Targets: the second half repeats the first; after training, generation continues the copy.
  Config c = tiny_config();
  c.dim = 32, c.hidden = 64, c.head_dim = 16;
  auto m = init_model(c, 5);
  auto s = opt_settings();
  s.lr = 1e-2, s.warmup_steps = 10, s.total_steps = 300, s.weight_decay = 0;
  Trainer tr(m, s);
  std::mt19937_64 rng(6);
  std::uniform_int_distribution<int64_t> tok(3, 10);
  auto make = [&](int64_t B) {
    auto tokens = torch::empty({B, 9}, torch::kLong), mask = torch::zeros({B, 9}, torch::kLong);
    for (int64_t b = 0; b < B; ++b) {
      tokens[b][0] = 1, tokens[b][4] = 2, tokens[b][8] = 2;
      for (int64_t t = 1; t < 4; ++t) tokens[b][t] = tokens[b][t + 4] = tok(rng);
      for (int64_t t = 5; t < 9; ++t) mask[b][t] = 1;
    }
    return Batch{tokens, mask};
  };
  double first = 0, last = 0;
  for (int i = 0; i < 300; ++i) {
    auto r = tr.step({make(16)});
    if (i == 0) first = r.loss;
    last = r.loss;
  }
  EXPECT_GT(first, 1.5);
  EXPECT_LT(last, 0.2);
  GenerateOptions o;
  o.temperature = 0, o.max_new_tokens = 3;
  EXPECT_EQ(generate(m, {1, 7, 3, 9, 2}, o), (TokenStream{7, 3, 9}));
}

TEST(Generate, BatchRowsEqualSinglePromptsAndStopStringsCut) {
  const Model stories = load_llama2c(test::stories_path());
  GenerateOptions o;
  o.temperature = 0, o.max_new_tokens = 10;
  std::vector<TokenStream> prompts{{1, 403, 407}, {1, 260, 300}, {1, 403, 407}};
  auto rows = generate_batch(stories, prompts, o);
  for (size_t i = 0; i < prompts.size(); ++i) {
    EXPECT_EQ(rows[i], generate(stories, prompts[i], o)) << i;
    // Greedy = argmax of a plain forward over the whole sequence, token by token (no cache).
    TokenStream seq = prompts[i];
    for (auto t : rows[i]) {
      EXPECT_EQ(forward(stories, torch::tensor(seq, torch::kLong).unsqueeze(0))[0][-1].argmax().item<int64_t>(), t);
      seq.push_back(t);
    }
  }
  // Stop strings over a toy decode (id -> "<id>"): stops right after the token whose text completes one.
  auto decode = [](const TokenStream& ids) {
    std::string s;
    for (auto i : ids) s += "<" + std::to_string(i) + ">";
    return s;
  };
  o.stop_when = stop_on_strings(decode, {"<" + std::to_string(rows[0][3]) + ">"});
  auto cut = generate_batch(stories, {prompts[0], prompts[1]}, o);
  const auto first = std::find(rows[0].begin(), rows[0].end(), rows[0][3]);  // it may occur before index 3
  EXPECT_EQ(cut[0], TokenStream(rows[0].begin(), first + 1));
  EXPECT_LE(cut[1].size(), rows[1].size());
  // Sampling: the same seed gives the same batch.
  o.stop_when = nullptr, o.temperature = 1.0, o.seed = 3;
  EXPECT_EQ(generate_batch(stories, prompts, o), generate_batch(stories, prompts, o));
}
