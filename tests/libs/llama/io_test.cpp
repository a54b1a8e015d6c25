// Checkpoint I/O: llama2.c in -> HF safetensors out -> same logits (single file and sharded), and the
// errors for bad checkpoints (missing tensor, wrong shape, truncated file, bad config).
#include <gtest/gtest.h>

#include <cstdio>
#include <torch/torch.h>

#include <filesystem>
#include <fstream>

#include "labkit/core/error.h"
#include "labkit/llama/forward.h"
#include "labkit/llama/io.h"
#include "labkit/llama/llama2c_header.h"
#include "labkit/torchutil/tensor_files.h"
#include "run_command.h"
#include "test_paths.h"

using namespace labkit::llama;
namespace fs = std::filesystem;

namespace {
const Model& stories() {
  static Model m = load_llama2c(test::stories_path());
  return m;
}
std::string save_copy(const std::string& name) {
  auto dir = labkit::test::fresh_temp_dir(name);
  save_hf(stories(), dir);
  return dir;
}
template <class F>
std::string input_error_of(F f) {
  try {
    f();
  } catch (const labkit::InputError& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST(LlamaIo, Llama2cHeaderAndTiedEmbeddings) {
  const auto& c = stories().config;
  EXPECT_EQ(c.dim, 64);
  EXPECT_EQ(c.hidden, 172);
  EXPECT_EQ(c.n_layers, 5);
  EXPECT_EQ(c.n_heads, 8);
  EXPECT_EQ(c.n_kv_heads, 4);
  EXPECT_EQ(c.vocab, 512);
  EXPECT_EQ(c.seq_len, 512);
  EXPECT_EQ(c.head_dim, 8);
  EXPECT_TRUE(c.tied_embeddings);
  EXPECT_EQ(stories().weights.count("lm_head.weight"), 0u);
}

TEST(LlamaIo, SafetensorsRoundTripGivesSameLogits) {
  auto dir = save_copy("llama_rt");
  EXPECT_TRUE(fs::exists(dir + "/config.json"));
  auto back = load_hf(dir);
  EXPECT_EQ(back.config.dim, 64);
  EXPECT_TRUE(back.config.tied_embeddings);
  torch::manual_seed(0);  // fixed tokens: the bf16 bound below must not depend on the draw
  auto tokens = torch::randint(0, 512, {2, 20}, torch::kLong);
  EXPECT_TRUE(torch::equal(forward(stories(), tokens), forward(back, tokens)));
  // Names and shapes on disk are the HF ones.
  auto raw = labkit::torchutil::load_safetensors(dir + "/model.safetensors");
  ASSERT_EQ(raw.count("model.layers.4.self_attn.k_proj.weight"), 1u);
  EXPECT_EQ(raw["model.layers.4.self_attn.k_proj.weight"].sizes(), torch::IntArrayRef({32, 64}));
  // bfloat16 on disk loads back close.
  auto dir16 = labkit::test::fresh_temp_dir("llama_rt16");
  save_hf(stories(), dir16, torch::kBFloat16);
  auto b16 = load_hf(dir16);
  // bf16 keeps 8 significant bits (relative rounding 2^-9 per weight); after 5 layers the logits stay
  // within a few percent of float32, relative to their own scale.
  const auto ref = forward(stories(), tokens);
  const double rel = ((forward(b16, tokens) - ref).abs().mean() / ref.abs().mean()).item<double>();
  std::printf("bf16 relative logit error %.4f\n", rel);
  EXPECT_LT(rel, 0.05);
}

TEST(LlamaIo, ShardedIndexLoads) {
  auto dir = labkit::test::fresh_temp_dir("llama_shard");
  TensorMap a, b;
  nlohmann::json map;
  int i = 0;
  for (const auto& [k, t] : stories().weights) {
    bool first = (i++ % 2) == 0;
    (first ? a : b)[k] = t;
    map[k] = first ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors";
  }
  labkit::torchutil::save_safetensors(dir + "/model-00001-of-00002.safetensors", a);
  labkit::torchutil::save_safetensors(dir + "/model-00002-of-00002.safetensors", b);
  std::ofstream(dir + "/model.safetensors.index.json") << nlohmann::json{{"weight_map", map}}.dump();
  std::ofstream(dir + "/config.json") << config_to_hf_json(stories().config).dump();
  auto m = load_hf(dir);
  auto tokens = torch::randint(0, 512, {1, 12}, torch::kLong);
  EXPECT_TRUE(torch::equal(forward(stories(), tokens), forward(m, tokens)));
  // A shard missing a tensor the index names is an InputError naming it.
  b.erase(b.begin());
  const std::string gone = map.begin().key();
  labkit::torchutil::save_safetensors(dir + "/model-00002-of-00002.safetensors", b);
  auto msg = input_error_of([&] { load_hf(dir); });
  EXPECT_NE(msg.find("lacks"), std::string::npos) << msg;
}

TEST(LlamaIo, MissingTensorIsInputErrorNamingFileAndKey) {
  auto dir = save_copy("llama_missing");
  auto t = labkit::torchutil::load_safetensors(dir + "/model.safetensors");
  TensorMap copy;
  for (auto& [k, v] : t) copy[k] = v.clone();
  copy.erase("model.layers.2.mlp.up_proj.weight");
  labkit::torchutil::save_safetensors(dir + "/model.safetensors", copy);
  auto msg = input_error_of([&] { load_hf(dir); });
  EXPECT_NE(msg.find("model.layers.2.mlp.up_proj.weight"), std::string::npos) << msg;
  EXPECT_NE(msg.find("model.safetensors"), std::string::npos) << msg;
}

TEST(LlamaIo, ConfigWeightsMismatchIsInputError) {
  auto dir = save_copy("llama_mismatch");
  auto j = config_to_hf_json(stories().config);
  j["intermediate_size"] = 128;
  std::ofstream(dir + "/config.json") << j.dump();
  auto msg = input_error_of([&] { load_hf(dir); });
  EXPECT_NE(msg.find("gate_proj"), std::string::npos) << msg;
  EXPECT_NE(msg.find("[172, 64]"), std::string::npos) << msg;
  j["intermediate_size"] = 172;
  j["num_key_value_heads"] = 3;  // 8 heads not divisible by 3
  std::ofstream(dir + "/config.json") << j.dump();
  msg = input_error_of([&] { load_hf(dir); });
  EXPECT_NE(msg.find("num_key_value_heads"), std::string::npos) << msg;
  fs::remove(dir + "/config.json");
  msg = input_error_of([&] { load_hf(dir); });
  EXPECT_NE(msg.find("config.json"), std::string::npos) << msg;
}

TEST(LlamaIo, TruncatedLlama2cIsInputError) {
  auto dir = labkit::test::fresh_temp_dir("llama_trunc");
  std::ifstream in(test::stories_path(), std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), {});
  std::ofstream(dir + "/short.bin", std::ios::binary).write(bytes.data(), 100000);
  auto msg = input_error_of([&] { load_llama2c(dir + "/short.bin"); });
  EXPECT_NE(msg.find("short.bin"), std::string::npos) << msg;
  EXPECT_NE(msg.find("implies"), std::string::npos) << msg;
}

// Found by fuzz/llama2c_header_fuzz (11 reproducers, fuzz/corpus/llama2c_header/crash_size_overflow_*.bin):
// header sizes up to 2^31 overflowed the int64 count of weights the header implies (signed overflow,
// undefined behaviour; the size check could then pass or fail by accident). Each is now one InputError.
TEST(LlamaIo, Llama2cHeaderSizesThatOverflowAreRefused) {
  int seen = 0;
  for (const auto& e : std::filesystem::directory_iterator(std::string(LABKIT_SOURCE_DIR) + "/fuzz/corpus/llama2c_header")) {
    if (e.path().filename().string().rfind("crash_size_overflow_", 0) != 0) continue;
    ++seen;
    try {
      labkit::llama::read_llama2c_header(e.path().string());
      ADD_FAILURE() << e.path() << ": accepted";
    } catch (const labkit::InputError& err) {
      EXPECT_NE(std::string(err.what()).find(e.path().string() + ": "), std::string::npos) << err.what();
    }
    EXPECT_THROW(labkit::llama::load_llama2c(e.path().string()), labkit::InputError) << e.path();
  }
  EXPECT_EQ(seen, 11);
}
