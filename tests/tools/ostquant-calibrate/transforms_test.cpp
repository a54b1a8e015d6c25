// With quantization off, every transform (norm folding, R_res, R_ov, all scalings incl. the RoPE-tied S_qk,
// online rotations) leaves the logits unchanged: exactly in float64, to float32 rounding in float32.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "labkit/core/atomic_file.h"
#include "labkit/core/error.h"
#include "labkit/llama/forward.h"
#include "labkit/llama/io.h"
#include "labkit/torchutil/tensor_files.h"
#include "labkit/llama/hadamard.h"
#include "run_command.h"
#include "test_util.h"
#include "transforms.h"

using namespace labkit::ostquant_calibrate;
using labkit::llama::forward;
namespace fs = std::filesystem;

namespace {
Transforms random_transforms(const labkit::llama::Config& c, uint64_t seed) {
  Transforms t = identity_transforms(c);
  auto gen = at::detail::createCPUGenerator(seed);
  auto f64 = torch::TensorOptions().dtype(torch::kDouble);
  t.R_res = labkit::llama::random_orthogonal(c.dim, seed);
  for (int64_t l = 0; l < c.n_layers; ++l) {
    std::vector<torch::Tensor> h;
    for (int64_t k = 0; k < c.n_kv_heads; ++k) h.push_back(labkit::llama::random_orthogonal(c.head_dim, seed + 10 * l + k + 1));
    t.R_ov[l] = torch::stack(h);
    for (auto* s : {&t.s_attn[l], &t.s_mlp[l], &t.s_qk[l], &t.s_ov[l], &t.s_ud[l]})
      *s = 0.3 * torch::randn(s->sizes(), gen, f64);
  }
  t.online_down = labkit::llama::random_hadamard(c.hidden, seed + 99);  // 172 = 4·43: Williamson
  t.online_qk = labkit::llama::hadamard(c.head_dim) / std::sqrt(static_cast<double>(c.head_dim));
  return t;
}
}  // namespace

TEST(Transforms, FusedNormsKeepLogits) {
  auto m64 = test::stories().to(torch::kDouble);
  auto fused = fuse_norms(m64);
  EXPECT_FALSE(fused.config.tied_embeddings);
  EXPECT_TRUE(torch::equal(fused.w("model.layers.3.input_layernorm.weight"), torch::ones({64}, torch::kDouble)));
  auto tok = test::random_tokens(2, 30, 1);
  EXPECT_LT((forward(fused, tok) - forward(m64, tok)).abs().max().item<double>(), 1e-10);
}

TEST(Transforms, RandomTransformsAreAnEquivalence) {
  const auto& orig = test::stories();
  auto fused = fuse_norms(orig);
  auto t = random_transforms(orig.config, 5);
  auto transformed64 = apply_transforms(fused, t);
  EXPECT_TRUE(transformed64.config.online_had_down);
  EXPECT_TRUE(transformed64.config.online_had_qk);
  auto tok = test::random_tokens(2, 40, 2);
  auto ref64 = forward(orig.to(torch::kDouble), tok);
  auto out64 = forward(transformed64, tok);
  EXPECT_LT((out64 - ref64).abs().max().item<double>(), 1e-9);
  // The weights really changed (not an identity transform).
  EXPECT_GT((transformed64.w("model.layers.0.self_attn.v_proj.weight") - fused.w("model.layers.0.self_attn.v_proj.weight"))
                .abs().max().item<double>(), 0.01);
  // Fused in float64, run in float32: float32 rounding only.
  auto out32 = forward(transformed64.to(torch::kFloat), tok).to(torch::kDouble);
  auto base32 = forward(orig, tok).to(torch::kDouble);
  EXPECT_LT((out32 - ref64).abs().max().item<double>(), 2e-4);
  EXPECT_LT((base32 - ref64).abs().max().item<double>(), 2e-4);
}

TEST(Transforms, UntiedQkScalesBreakEquivalenceThroughRope) {
  // Why S_qk is tied over rotate_half pairs: an untied per-channel scale does not commute with RoPE.
  auto m64 = test::stories().to(torch::kDouble);
  auto fused = fuse_norms(m64);
  auto t = identity_transforms(m64.config);
  auto model = apply_transforms(fused, t);
  const int64_t hd = 8;
  auto s = torch::ones({32}, torch::kDouble);  // per KV channel
  for (int64_t i = 0; i < 32; ++i) s[i] = (i % hd) < hd / 2 ? 2.0 : 0.5;  // pair members differ
  auto& k = model.weights["model.layers.0.self_attn.k_proj.weight"];
  auto& q = model.weights["model.layers.0.self_attn.q_proj.weight"];
  k = k.view({4, hd, 64}) * s.view({4, hd}).unsqueeze(-1);
  k = k.reshape({32, 64});
  q = (q.view({4, 2, hd, 64}) / s.view({4, 1, hd, 1})).reshape({64, 64});
  auto tok = test::random_tokens(1, 30, 3);
  EXPECT_GT((forward(model, tok) - forward(m64, tok)).abs().max().item<double>(), 1e-3);
}

TEST(Transforms, TransformedModelSavesAndReloadsWithOnlineRotations) {
  auto t = random_transforms(test::stories().config, 8);
  auto model = apply_transforms(fuse_norms(test::stories()), t).to(torch::kFloat);
  auto dir = labkit::test::fresh_temp_dir("ostq_save");
  labkit::llama::save_hf(model, dir);
  auto back = labkit::llama::load_hf(dir);
  EXPECT_TRUE(back.config.online_had_down && back.config.online_had_qk);
  auto tok = test::random_tokens(1, 20, 4);
  EXPECT_LT((forward(back, tok) - forward(model, tok)).abs().max().item<float>(), 1e-4);  // W_down·Hᵀ·H in float32
  EXPECT_LT((back.w("model.layers.2.mlp.down_proj.weight") - model.w("model.layers.2.mlp.down_proj.weight")).abs().max().item<float>(), 1e-6);

  // model.safetensors alone is a plain LLaMA (what transformers would run: it ignores the unknown config
  // key and the side file): same logits as the original model, without any online rotation.
  auto plain_dir = labkit::test::fresh_temp_dir("ostq_save_plain");
  fs::copy_file(dir + "/model.safetensors", plain_dir + "/model.safetensors");
  auto cfg = nlohmann::json::parse(labkit::read_file(dir + "/config.json"));
  ASSERT_TRUE(cfg.contains("labkit_online_hadamard"));
  cfg.erase("labkit_online_hadamard");
  std::ofstream(plain_dir + "/config.json") << cfg.dump();
  for (const auto& [k, v] : labkit::torchutil::load_safetensors(plain_dir + "/model.safetensors"))
    EXPECT_EQ(k.rfind("labkit.", 0), std::string::npos) << k;
  auto plain = labkit::llama::load_hf(plain_dir);
  EXPECT_FALSE(plain.config.online_had_down || plain.config.online_had_qk);
  EXPECT_LT((forward(plain, tok) - forward(test::stories(), tok)).abs().max().item<float>(), 2e-4);
  // ...and the W_down it holds is not the rotated one (the test would pass trivially otherwise).
  EXPECT_GT((plain.w("model.layers.2.mlp.down_proj.weight") - model.w("model.layers.2.mlp.down_proj.weight")).abs().max().item<float>(), 1e-2);

  // A flagged model without its side file is an error naming the file.
  fs::remove(dir + "/" + labkit::llama::kOnlineRotationsFile);
  try {
    labkit::llama::load_hf(dir);
    FAIL() << "expected InputError";
  } catch (const labkit::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("online_rotations.safetensors"), std::string::npos) << e.what();
  }
}

TEST(Transforms, CheckpointMapRoundTrip) {
  auto t = random_transforms(test::stories().config, 9);
  auto back = Transforms::from_map(t.to_map(), 5);
  EXPECT_TRUE(torch::equal(back.R_res, t.R_res));
  EXPECT_TRUE(torch::equal(back.s_qk[4], t.s_qk[4]));
  EXPECT_TRUE(torch::equal(back.online_down, t.online_down));
  EXPECT_LT(orthogonality_error(t), 1e-12);
}
