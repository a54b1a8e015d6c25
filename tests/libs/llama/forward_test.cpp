// Forward pass: parity with an independent numpy implementation of llama2.c (interleaved RoPE, read from
// the .bin directly), float64 vs float32, KV-cache decoding vs full recomputation, bfloat16.
#include <gtest/gtest.h>

#include <cstdio>
#include <torch/torch.h>

#include <fstream>
#include <sstream>

#include "labkit/llama/forward.h"
#include "labkit/llama/io.h"
#include "test_paths.h"

using namespace labkit::llama;

namespace {
struct Reference {
  std::vector<int64_t> tokens;
  std::vector<int64_t> argmax;
  std::vector<double> lse;
  std::vector<std::vector<double>> logits;  // first 24 per position
};

Reference read_reference() {
  Reference r;
  std::ifstream in(test::reference_path());
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ss(line);
    std::string tag;
    ss >> tag;
    if (tag == "tokens") {
      for (int64_t t; ss >> t;) r.tokens.push_back(t);
    } else if (tag == "pos") {
      int64_t p, a;
      std::string s1, s2;
      double l;
      ss >> p >> s1 >> a >> s2 >> l;
      r.argmax.push_back(a);
      r.lse.push_back(l);
    } else if (tag == "logits") {
      r.logits.emplace_back();
      for (double v; ss >> v;) r.logits.back().push_back(v);
    }
  }
  return r;
}

const Model& stories() {
  static Model m = load_llama2c(test::stories_path());
  return m;
}
}  // namespace

TEST(LlamaForward, MatchesIndependentNumpyLlama2c) {
  auto ref = read_reference();
  ASSERT_EQ(ref.tokens.size(), 16u);
  ASSERT_EQ(ref.logits.size(), 16u);
  auto tokens = torch::tensor(ref.tokens, torch::kLong).unsqueeze(0);
  for (auto dtype : {torch::kFloat, torch::kDouble}) {
    auto logits = forward(stories().to(dtype), tokens).squeeze(0).to(torch::kDouble);
    const double tol = dtype == torch::kDouble ? 1e-9 : 2e-4;
    for (size_t p = 0; p < ref.tokens.size(); ++p) {
      auto row = logits[static_cast<int64_t>(p)];
      EXPECT_EQ(row.argmax().item<int64_t>(), ref.argmax[p]) << "pos " << p;
      EXPECT_NEAR(torch::logsumexp(row, 0).item<double>(), ref.lse[p], tol) << "pos " << p;
      for (size_t i = 0; i < ref.logits[p].size(); ++i)
        EXPECT_NEAR(row[static_cast<int64_t>(i)].item<double>(), ref.logits[p][i], tol) << "pos " << p << " logit " << i;
    }
  }
}

TEST(LlamaForward, Float32MatchesFloat64Path) {
  auto tokens = torch::randint(0, 512, {2, 40}, torch::kLong);
  auto l32 = forward(stories(), tokens).to(torch::kDouble);
  auto l64 = forward(stories().to(torch::kDouble), tokens);
  EXPECT_LT((l32 - l64).abs().max().item<double>(), 5e-4);
  EXPECT_GT(l64.abs().max().item<double>(), 1.0);  // real, non-trivial logits
}

TEST(LlamaForward, KvCacheDecodingEqualsFullRecomputation) {
  auto m = stories().to(torch::kDouble);
  auto tokens = torch::randint(0, 512, {2, 24}, torch::kLong);
  auto full = forward(m, tokens);
  KVCache cache;
  auto first = forward(m, tokens.narrow(1, 0, 10), &cache);  // a prompt chunk, then one token at a time
  EXPECT_EQ(cache.pos, 10);
  std::vector<torch::Tensor> parts{first};
  for (int64_t t = 10; t < 24; ++t) parts.push_back(forward(m, tokens.narrow(1, t, 1), &cache));
  auto inc = torch::cat(parts, 1);
  EXPECT_EQ(cache.pos, 24);
  EXPECT_LT((inc - full).abs().max().item<double>(), 1e-10);
}

TEST(LlamaForward, Bfloat16RunsCloseToFloat32) {
  torch::manual_seed(0);  // fixed tokens, so the bounds below do not depend on the draw
  auto tokens = torch::randint(0, 512, {4, 32}, torch::kLong);
  auto l32 = forward(stories(), tokens);
  auto lbf = forward(stories().to(torch::kBFloat16), tokens).to(torch::kFloat);
  EXPECT_EQ(lbf.scalar_type(), torch::kFloat);
  const double agree = (l32.argmax(-1) == lbf.argmax(-1)).to(torch::kDouble).mean().item<double>();
  const double err = (l32 - lbf).abs().mean().item<double>() / l32.std().item<double>();
  std::printf("bf16 vs f32: argmax agreement %.3f, mean error %.4f of the logit spread\n", agree, err);
  // Over 128 positions; bf16 rounding (and its thread-dependent summation order) flips near-ties.
  EXPECT_GT(agree, 0.7);
  // bfloat16 keeps ~3 significant digits: the error stays a few percent of the logit spread.
  EXPECT_LT(err, 0.05);
}

TEST(LlamaForward, HooksSeeEverySiteAndCanReplaceActivations) {
  std::map<std::string, int> seen;
  ForwardHooks hooks;
  hooks.act = [&](const torch::Tensor& x, Site s, int64_t) {
    seen[site_name(s)]++;
    return x;
  };
  auto tokens = torch::randint(0, 512, {1, 8}, torch::kLong);
  auto a = forward(stories(), tokens, nullptr, &hooks);
  EXPECT_EQ(seen.size(), 7u);
  for (auto& [k, n] : seen) EXPECT_EQ(n, 5) << k;
  EXPECT_TRUE(torch::equal(a, forward(stories(), tokens)));
  hooks.act = [](const torch::Tensor& x, Site s, int64_t) { return s == Site::kDownIn ? x * 0 : x; };
  EXPECT_GT((forward(stories(), tokens, nullptr, &hooks) - a).abs().max().item<double>(), 1e-3);
}

TEST(LlamaForward, SoftmaxHookDefaultIsBitIdenticalAndReplaces) {
  auto tokens = torch::randint(0, 512, {2, 12}, torch::kLong);
  auto a = forward(stories(), tokens);
  ForwardHooks hooks;
  std::vector<int64_t> layers;
  hooks.softmax = [&](const torch::Tensor& s, int64_t l) {
    layers.push_back(l);
    EXPECT_EQ(s.sizes(), torch::IntArrayRef({2, 8, 12, 12}));
    EXPECT_TRUE(std::isinf(s[0][0][0][1].item<float>()));  // causal mask as -inf
    return torch::softmax(s, -1);
  };
  // The hook that computes what the default computes gives bit-identical logits.
  EXPECT_TRUE(torch::equal(a, forward(stories(), tokens, nullptr, &hooks)));
  EXPECT_EQ(layers, std::vector<int64_t>({0, 1, 2, 3, 4}));
  // A different softmax (uniform over the visible keys) changes the logits.
  hooks.softmax = [](const torch::Tensor& s, int64_t) {
    auto v = torch::isfinite(s).to(s.scalar_type());
    return v / v.sum(-1, true);
  };
  EXPECT_GT((forward(stories(), tokens, nullptr, &hooks) - a).abs().max().item<double>(), 1e-3);
}
