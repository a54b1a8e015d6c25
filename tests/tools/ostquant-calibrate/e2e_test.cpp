// The ostquant-calibrate binary end to end on stories260K, and its bad-input exits (code 2).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "labkit/core/atomic_file.h"
#include "labkit/llama/forward.h"
#include "labkit/llama/io.h"
#include "labkit/torchutil/tensor_files.h"
#include "gptq.h"
#include "run_command.h"
#include "test_util.h"

using labkit::test::run_command;
using labkit::test::shell_quote;
namespace fs = std::filesystem;

namespace {
std::string tool() { return std::string(LABKIT_BIN_DIR) + "/ostquant-calibrate"; }
const char* kSmall =
    " --threads 1 --set steps=3 --set window=32 --set calib_streams=4 --set eval_streams=4 --set qsur_streams=2"
    " --set 'methods=[\"fp\",\"rtn\",\"gptq\",\"quarot\",\"ost\"]' --set 'settings=[\"W4A4KV4\"]'";

// A small random HF model: 4 heads of `head_dim`, 2 KV heads, MLP width `hidden`, one layer.
std::string write_small_model(const std::string& name, int64_t head_dim, int64_t hidden) {
  auto dir = labkit::test::fresh_temp_dir(name);
  labkit::llama::Model m;
  auto& c = m.config;
  c.dim = 4 * head_dim, c.hidden = hidden, c.n_layers = 1, c.n_heads = 4, c.n_kv_heads = 2, c.vocab = 64,
  c.seq_len = 64, c.head_dim = head_dim;
  torch::manual_seed(0);
  for (const auto& [k, shape] : labkit::llama::expected_tensors(c)) m.weights[k] = 0.2 * torch::randn(shape);
  labkit::llama::save_hf(m, dir);
  return dir;
}
}  // namespace

TEST(OstquantE2E, SmallRunWritesReportModelAndPackedWeights) {
  auto out = labkit::test::fresh_temp_dir("ostq_e2e") + "/run";
  auto r = run_command(tool() + " " + shell_quote(labkit::ostquant_calibrate::test::stories_path()) + " --out " + shell_quote(out) + kSmall);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto report = nlohmann::json::parse(labkit::read_file(out + "/report.json"));
  const auto& m = report["metrics"];
  ASSERT_TRUE(m.contains("results")) << report.dump(1);
  const double fp = m["fp_ppl"].get<double>();
  EXPECT_GT(fp, 1.0);
  EXPECT_LT(fp, 512.0);
  for (const char* meth : {"rtn", "gptq", "quarot", "ost"}) {
    const double p = m["results"][meth]["W4A4KV4"]["ppl"].get<double>();
    EXPECT_GT(p, fp * 0.99) << meth;
  }
  EXPECT_EQ(m["results"]["ost"]["W4A4KV4"]["train"]["loss"].size(), 3u);
  EXPECT_LT(m["results"]["ost"]["W4A4KV4"]["train"]["orthogonality_max"].get<double>(), 1e-5);
  // report.json "curves" (CONTRIBUTING.md 6): the KL-Top loss per step of the learned methods only.
  const auto& loss_panel = report["curves"]["KL-Top loss"];
  EXPECT_EQ(loss_panel["x"], "step");
  EXPECT_EQ(loss_panel["y_scale"], "log");
  size_t trained = 0;  // one series per learned (method, setting): those whose result has "train"
  for (auto method = m["results"].begin(); method != m["results"].end(); ++method)
    if (method.key() != "fp")
      for (auto setting = method->begin(); setting != method->end(); ++setting)
        if (setting->contains("train")) {
          ++trained;
          EXPECT_TRUE(loss_panel["series"].contains(method.key() + "/" + setting.key())) << method.key();
        }
  EXPECT_EQ(loss_panel["series"].size(), trained) << loss_panel.dump();
  EXPECT_FALSE(loss_panel["series"].contains("rtn/W4A4KV4"));  // nothing learned
  const auto& points = loss_panel["series"]["ost/W4A4KV4"];
  ASSERT_EQ(points.size(), 3u);
  for (size_t i = 0; i < 3; ++i)
    EXPECT_EQ(points[i], nlohmann::json({double(i + 1), m["results"]["ost"]["W4A4KV4"]["train"]["loss"][i]})) << i;
  EXPECT_TRUE(m["qsur"]["original"]["mean"].contains("down_in"));
  // The saved transformed model (quantization off) reproduces the original's logits.
  auto saved = labkit::llama::load_hf(out + "/model");
  auto tok = labkit::ostquant_calibrate::test::random_tokens(1, 24, 3);
  auto diff = (labkit::llama::forward(saved, tok) - labkit::llama::forward(labkit::ostquant_calibrate::test::stories(), tok)).abs().max();
  EXPECT_LT(diff.item<double>(), 2e-4);
  auto packed = labkit::torchutil::load_safetensors(out + "/model/quantized_int4.safetensors");
  EXPECT_EQ(packed.at("model.layers.0.mlp.down_proj.qweight").sizes(), torch::IntArrayRef({64, 86}));
  EXPECT_TRUE(fs::exists(out + "/eval_tokens.txt"));
  // --resume continues from the finished checkpoint instead of training again.
  auto r2 = run_command(tool() + " " + shell_quote(labkit::ostquant_calibrate::test::stories_path()) + " --out " + shell_quote(out) + kSmall +
                        " --resume");
  ASSERT_EQ(r2.exit_code, 0) << r2.err;
  auto rep2 = nlohmann::json::parse(labkit::read_file(out + "/report.json"));
  EXPECT_EQ(rep2["metrics"]["results"]["ost"]["W4A4KV4"]["train"]["resumed_from"].get<int>(), 3);
  EXPECT_EQ(rep2["curves"], report["curves"]) << "the resumed run's curves hold the steps from its checkpoint";
}

// The packed int4 file holds the codes that were evaluated: GPTQ's when weight_quantizer=gptq (it held
// RTN codes of the saved model regardless, before).
TEST(OstquantE2E, PackedWeightsAreTheGptqCodesWhenGptqIsUsed) {
  auto out = labkit::test::fresh_temp_dir("ostq_e2e_gptq") + "/run";
  auto r = run_command(tool() + " " + shell_quote(labkit::ostquant_calibrate::test::stories_path()) + " --out " + shell_quote(out) + kSmall +
                       " --set 'methods=[\"quarot\"]' --set save_method=quarot --set weight_quantizer=gptq");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto saved = labkit::llama::load_hf(out + "/model");
  auto calib = labkit::llama::read_token_streams(out + "/calib_tokens.txt", saved.config.vocab);
  auto expect = labkit::ostquant_calibrate::gptq_quantize_model(saved, 4, true, calib);
  auto packed = labkit::torchutil::load_safetensors(out + "/model/quantized_int4.safetensors");
  for (const char* n : {"self_attn.q_proj", "mlp.down_proj"}) {
    const auto base = labkit::llama::layer_key(2, n);
    auto w = expect.model.w(base + ".weight");
    auto codes = labkit::ostquant_calibrate::unpack_int4(packed.at(base + ".qweight"), w.size(1));
    auto deq = codes.to(torch::kFloat) * packed.at(base + ".scales").unsqueeze(1);
    EXPECT_LT((deq - w).abs().max().item<float>(), 1e-5) << n;
    EXPECT_GT((deq - labkit::ostquant_calibrate::quantize_weight_sym(saved.w(base + ".weight"), 4, true).dequant).abs().max().item<float>(), 1e-3) << n;
  }
}

TEST(OstquantE2E, BadInputsExitTwoWithOneClearMessage) {
  auto dir = labkit::test::fresh_temp_dir("ostq_bad");
  auto run = [&](const std::string& model, const std::string& extra) {
    return run_command(tool() + " " + shell_quote(model) + " --out " + shell_quote(dir + "/o" + std::to_string(rand())) +
                       kSmall + extra);
  };
  auto missing = run(dir + "/nope.bin", "");
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("nope.bin"), std::string::npos) << missing.err;

  // Calibration file shorter than one window.
  std::ofstream(dir + "/short.txt") << "1 2 3 4 5\n";
  auto shortcal = run(labkit::ostquant_calibrate::test::stories_path(), " --calib-tokens " + shell_quote(dir + "/short.txt"));
  EXPECT_EQ(shortcal.exit_code, 2);
  EXPECT_NE(shortcal.err.find("short.txt"), std::string::npos) << shortcal.err;
  EXPECT_NE(shortcal.err.find("windows of 32"), std::string::npos) << shortcal.err;

  // Unsupported head size for the online Q/K Hadamard.
  auto h6 = write_small_model("ostq_h6", 6, 48);  // head_dim 6 has no Hadamard matrix
  auto head = run(h6, "");
  EXPECT_EQ(head.exit_code, 2);
  EXPECT_NE(head.err.find("head_dim 6"), std::string::npos) << head.err;

  // Config that does not match the weights; then a missing tensor.
  auto j = nlohmann::json::parse(labkit::read_file(h6 + "/config.json"));
  j["intermediate_size"] = 40;
  std::ofstream(h6 + "/config.json") << j.dump();
  auto mism = run(h6, "");
  EXPECT_EQ(mism.exit_code, 2);
  EXPECT_NE(mism.err.find("gate_proj"), std::string::npos) << mism.err;
  j["intermediate_size"] = 48;
  std::ofstream(h6 + "/config.json") << j.dump();
  auto tensors = labkit::torchutil::load_safetensors(h6 + "/model.safetensors");
  std::map<std::string, torch::Tensor> copy;
  for (auto& [k, v] : tensors)
    if (k != "model.norm.weight") copy[k] = v.clone();
  labkit::torchutil::save_safetensors(h6 + "/model.safetensors", copy);
  auto miss = run(h6, "");
  EXPECT_EQ(miss.exit_code, 2);
  EXPECT_NE(miss.err.find("model.norm.weight"), std::string::npos) << miss.err;

  // Unsupported Hadamard size requested explicitly for down_proj (188 = 4·47).
  auto mlp188 = write_small_model("ostq_mlp188", 8, 188);
  auto down = run(mlp188, " --set down_rotation=hadamard");
  EXPECT_EQ(down.exit_code, 2);
  EXPECT_NE(down.err.find("188"), std::string::npos) << down.err;
}
