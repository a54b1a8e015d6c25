// LoRA: the merged weight against W + (alpha/r)·B·A summed by hand in doubles, merged and unmerged logits
// equal, PEFT's initialisation (adapted model == base), the PEFT file layout read back with labkit's own
// safetensors reader (key names, shapes, adapter_config.json), loading refuses adapters of another
// architecture, and training only the adapters (base frozen, loss falls, resume bit-exact).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <fstream>
#include <random>
#include <set>

#include "error_of.h"
#include "labkit/core/atomic_file.h"
#include "labkit/core/json_file.h"
#include "labkit/llama/forward.h"
#include "labkit/llama/lora.h"
#include "labkit/llama/train.h"
#include "tiny_config.h"
#include "labkit/tensorio/safetensors.h"
#include "temp_dir.h"

using namespace labkit::llama;
using labkit::test::error_of;

namespace {

using labkit::llama::test::tiny_config;

LoraConfig lora_config() {
  LoraConfig l;
  l.rank = 3, l.alpha = 6, l.targets = {"q_proj", "v_proj", "down_proj"};
  return l;
}

// Adapters with a non-zero B, so that they change the model.
LoraAdapters random_adapters(const Model& base, uint64_t seed) {
  auto lora = init_lora(base, lora_config(), seed);
  torch::manual_seed(static_cast<int64_t>(seed));
  for (auto& [name, ab] : lora.ab) ab.second = torch::randn(ab.second.sizes(), ab.second.options()) * 0.1;
  return lora;
}

torch::Tensor some_tokens() { return torch::tensor({{1, 4, 2, 9, 3, 3, 7}, {0, 10, 5, 5, 6, 2, 8}}, torch::kLong); }

}  // namespace

TEST(Lora, MergedWeightIsBasePlusScaledBATimesA) {
  const auto base = init_model(tiny_config(), 3, torch::kDouble);
  const auto lora = random_adapters(base, 4);
  const auto merged = merge_lora(base, lora);
  const std::string name = "model.layers.1.mlp.down_proj.weight";
  const auto& w = base.w(name);
  const auto a = lora.ab.at(name).first.contiguous(), b = lora.ab.at(name).second.contiguous();
  const double s = 6.0 / 3.0;
  double worst = 0;
  for (int64_t i = 0; i < w.size(0); ++i)
    for (int64_t j = 0; j < w.size(1); ++j) {
      double sum = 0;
      for (int64_t k = 0; k < 3; ++k) sum += b[i][k].item<double>() * a[k][j].item<double>();
      worst = std::max(worst, std::abs(merged.w(name)[i][j].item<double>() - (w[i][j].item<double>() + s * sum)));
    }
  EXPECT_LT(worst, 1e-15);
  EXPECT_TRUE(torch::equal(merged.w("model.layers.1.mlp.up_proj.weight"), base.w("model.layers.1.mlp.up_proj.weight")));
  EXPECT_FALSE(merged.lora);
}

TEST(Lora, MergedAndUnmergedLogitsAgree) {
  for (const auto dtype : {torch::kDouble, torch::kFloat}) {
    auto base = init_model(tiny_config(), 3, dtype);
    const auto lora = std::make_shared<LoraAdapters>(random_adapters(base, 4));
    const auto merged = merge_lora(base, *lora);
    auto adapted = base;
    adapted.lora = lora;
    const auto unmerged_logits = forward(adapted, some_tokens()), merged_logits = forward(merged, some_tokens());
    const double tol = dtype == torch::kDouble ? 1e-12 : 2e-5;
    EXPECT_LT((unmerged_logits - merged_logits).abs().max().item<double>(), tol);
    // ... and the adapters matter: the base model's logits differ.
    EXPECT_GT((forward(base, some_tokens()) - merged_logits).abs().max().item<double>(), 1e-3);
  }
}

TEST(Lora, PeftInitialisationLeavesTheModelUnchangedAndIsSeeded) {
  auto base = init_model(tiny_config(), 3);
  const auto lora = std::make_shared<LoraAdapters>(init_lora(base, lora_config(), 5));
  EXPECT_EQ(lora->ab.size(), 2u * 3u);
  for (const auto& [name, ab] : lora->ab) {
    EXPECT_EQ(ab.first.size(0), 3);
    EXPECT_LE(ab.first.abs().max().item<double>(), 1.0 / std::sqrt(static_cast<double>(ab.first.size(1))));
    EXPECT_EQ(ab.second.abs().max().item<double>(), 0.0);
  }
  auto adapted = base;
  adapted.lora = lora;
  EXPECT_TRUE(torch::equal(forward(adapted, some_tokens()), forward(base, some_tokens())));
  const auto again = init_lora(base, lora_config(), 5), other = init_lora(base, lora_config(), 6);
  const std::string q = "model.layers.0.self_attn.q_proj.weight";
  EXPECT_TRUE(torch::equal(again.ab.at(q).first, lora->ab.at(q).first));
  EXPECT_FALSE(torch::equal(other.ab.at(q).first, lora->ab.at(q).first));
  EXPECT_NE(error_of([&] { init_lora(base, LoraConfig{4, 8, {"qkv"}}, 1); }).find("unknown LoRA target module 'qkv'"),
            std::string::npos);
}

TEST(Lora, SavedInPeftLayoutAndReadBack) {
  const auto dir = labkit::test::fresh_temp_dir("llama_lora_peft");
  const auto base = init_model(tiny_config(), 3);
  const auto lora = random_adapters(base, 4);
  save_peft(lora, dir + "/adapter", "stories-tiny");
  // The keys and shapes PEFT writes for a LLaMA, read with labkit's own reader (no torch involved).
  const auto file = labkit::tensorio::SafetensorsFile::open(dir + "/adapter/adapter_model.safetensors");
  std::set<std::string> keys;
  for (const auto& t : file->tensors()) keys.insert(t.name);
  EXPECT_EQ(keys.size(), 12u);
  EXPECT_TRUE(keys.count("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight"));
  EXPECT_TRUE(keys.count("base_model.model.model.layers.1.mlp.down_proj.lora_B.weight"));
  for (const auto& t : file->tensors())
    if (t.name == "base_model.model.model.layers.1.mlp.down_proj.lora_B.weight") EXPECT_EQ(t.shape, (std::vector<int64_t>{16, 3}));
  const auto cfg = labkit::read_json_file(dir + "/adapter/adapter_config.json", "adapter config");
  EXPECT_EQ(cfg["peft_type"], "LORA");
  EXPECT_EQ(cfg["r"], 3);
  EXPECT_EQ(cfg["lora_alpha"], 6.0);
  EXPECT_EQ(cfg["target_modules"], (nlohmann::json{"q_proj", "v_proj", "down_proj"}));
  EXPECT_EQ(cfg["base_model_name_or_path"], "stories-tiny");

  const auto back = load_peft(dir + "/adapter", base.config);
  EXPECT_EQ(back.config.rank, 3);
  EXPECT_DOUBLE_EQ(back.config.alpha, 6.0);
  for (const auto& [name, ab] : lora.ab) {
    EXPECT_TRUE(torch::equal(back.ab.at(name).first, ab.first)) << name;
    EXPECT_TRUE(torch::equal(back.ab.at(name).second, ab.second)) << name;
  }
}

TEST(Lora, LoadRefusesAdaptersOfAnotherArchitecture) {
  const auto dir = labkit::test::fresh_temp_dir("llama_lora_refuse");
  const auto base = init_model(tiny_config(), 3);
  save_peft(random_adapters(base, 4), dir + "/a", "");
  auto wider = tiny_config();
  wider.dim = 24, wider.head_dim = 12;
  const auto wider_error = error_of([&] { load_peft(dir + "/a", wider); });
  EXPECT_NE(wider_error.find("has shape [16, 3], this model and r=3 need [24, 3]"), std::string::npos) << wider_error;
  auto shallower = tiny_config();
  shallower.n_layers = 1;
  EXPECT_NE(error_of([&] { load_peft(dir + "/a", shallower); }).find("adapts no target weight of this model"), std::string::npos);
  // A rank that disagrees with the file's tensors, another adapter type, a missing folder.
  auto cfg = labkit::read_json_file(dir + "/a/adapter_config.json", "adapter config");
  cfg["r"] = 4;
  labkit::write_file_atomically(dir + "/a/adapter_config.json", cfg.dump());
  EXPECT_NE(error_of([&] { load_peft(dir + "/a", base.config); }).find("r=4"), std::string::npos);
  cfg["peft_type"] = "IA3";
  labkit::write_file_atomically(dir + "/a/adapter_config.json", cfg.dump());
  EXPECT_NE(error_of([&] { load_peft(dir + "/a", base.config); }).find("not a LoRA adapter"), std::string::npos);
  EXPECT_NE(error_of([&] { load_peft(dir + "/missing", base.config); }).find("adapter_config.json"), std::string::npos);
}

TEST(Lora, TrainingMovesOnlyTheAdaptersAndResumesBitExactly) {
  const auto dir = labkit::test::fresh_temp_dir("llama_lora_train");
  OptimizerSettings s;
  s.lr = 5e-2, s.warmup_steps = 1, s.total_steps = 20, s.grad_clip = 1.0;
  // One fixed sequence whose second half is the target: the adapters alone must lower its loss.
  const auto tokens = some_tokens();
  auto mask = torch::zeros_like(tokens);
  mask.narrow(1, 3, 4).fill_(1);
  const Batch batch{tokens, mask};
  // Base weights at std 0.2 rather than init's 0.02: activations of order one, so that rank-3 adapters on
  // three projections can move the logits within 20 steps.
  auto base = [] {
    auto m = init_model(tiny_config(), 3);
    for (auto& [name, w] : m.weights)
      if (w.dim() == 2) w = w * 10;
    return m;
  };
  auto fresh = [&] {
    auto m = base();
    m.lora = std::make_shared<LoraAdapters>(init_lora(m, lora_config(), 5));
    return m;
  };
  const auto base_before = base();

  auto straight = fresh();
  Trainer t(straight, s);
  std::vector<double> losses;
  for (int i = 0; i < 20; ++i) losses.push_back(t.step({batch}).loss);
  EXPECT_LT(losses.back(), 0.7 * losses.front()) << "first " << losses.front() << ", last " << losses.back();
  for (const auto& [name, w] : base_before.weights) EXPECT_TRUE(torch::equal(straight.w(name), w)) << name;

  auto first = fresh();
  {
    Trainer t1(first, s);
    for (int i = 0; i < 5; ++i) t1.step({batch});
    t1.save(dir + "/ck", {{"note", "five"}});
  }
  EXPECT_TRUE(std::ifstream(dir + "/ck/adapter/adapter_model.safetensors").good());
  auto resumed = fresh();
  Trainer t2(resumed, s);
  EXPECT_EQ(t2.load(dir + "/ck")["note"], "five");
  for (int i = 0; i < 15; ++i) t2.step({batch});
  for (const auto& [name, ab] : straight.lora->ab) {
    EXPECT_TRUE(torch::equal(resumed.lora->ab.at(name).first, ab.first)) << name;
    EXPECT_TRUE(torch::equal(resumed.lora->ab.at(name).second, ab.second)) << name;
  }
}
