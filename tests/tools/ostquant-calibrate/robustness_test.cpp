// ostquant-calibrate against hostile input (issue 14) and its interface (issue 13): every numeric key
// ranged (exit 2, the key named), NaN weights, a run whose metrics become non-finite (exit 1, nothing
// written), a tokenizer of another vocabulary, progress lines without a terminal, the table on stdout.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include "labkit/core/atomic_file.h"
#include "labkit/core/error.h"
#include "labkit/llama/io.h"
#include "labkit/torchutil/tensor_files.h"
#include "run_command.h"
#include "test_util.h"

using labkit::test::run_command;
using labkit::test::shell_quote;
namespace fs = std::filesystem;

namespace {

std::string tool() { return std::string(LABKIT_BIN_DIR) + "/ostquant-calibrate"; }
const char* kTiny =
    " --threads 1 --set steps=2 --set window=32 --set calib_streams=4 --set eval_streams=4 --set qsur_streams=2"
    " --set 'settings=[\"W4A4KV4\"]'";

// A small random HF model (1 layer, head_dim 8, MLP 32). `nan_weight` names a weight to poison with one
// NaN; `huge_weight` one to fill with +-3e38 (finite in float32, but its dot products overflow).
std::string write_model(const std::string& name, const std::string& nan_weight, const std::string& huge_weight = "") {
  auto dir = labkit::test::fresh_temp_dir(name);
  labkit::llama::Model m;
  auto& c = m.config;
  c.dim = 32, c.hidden = 32, c.n_layers = 1, c.n_heads = 4, c.n_kv_heads = 2, c.vocab = 64, c.seq_len = 64, c.head_dim = 8;
  torch::manual_seed(0);
  for (const auto& [k, shape] : labkit::llama::expected_tensors(c)) m.weights[k] = 0.2 * torch::randn(shape);
  if (!nan_weight.empty()) m.weights[nan_weight].view(-1)[3] = NAN;
  if (!huge_weight.empty()) m.weights[huge_weight] = 3e38 * torch::sign(m.weights[huge_weight]);
  labkit::llama::save_hf(m, dir);
  return dir;
}

}  // namespace

// Each of these crashed (SIGSEGV, SIGFPE), printed a traceback (exit 1) or ran with exit 0 before; the
// settings layer names the key. Checked in-process (a tool launch costs seconds); the binary is run for
// the three that crashed it.
TEST(OstquantRobustness, EveryBadConfigValueIsRefusedNamingTheKey) {
  const std::vector<std::pair<std::string, std::string>> cases{
      {"settings=[]", "settings"},          {"steps=-1", "steps"},
      {"checkpoint_every=0", "checkpoint_every"}, {"batch=0", "batch"},
      {"calib_streams=0", "calib_streams"}, {"eval_streams=0", "eval_streams"},
      {"qsur_streams=0", "qsur_streams"},   {"kl_top=-5", "kl_top"},
      {"smooth_lr=1e30", "smooth_lr"},      {"rotate_lr=-1", "rotate_lr"},
      {"a_clip=0", "a_clip"},               {"a_clip=-0.5", "a_clip"},
      {"kv_clip=1.5", "kv_clip"},           {"window=1", "window"},
      {"sample_top_p=0", "sample_top_p"},   {"calib_seed=-1", "calib_seed"},
      {"methods=[]", "methods"},            {"methods=[\"nope\"]", "methods"},
      {"settings=[\"W99999999999A4\"]", "settings"}, {"settings=[4]", "settings"},
      {"weight_quantizer=x", "weight_quantizer"}, {"save_method=x", "save_method"},
      {"save_setting=x", "save_setting"},   {"rotation_init=x", "rotation_init"},
      {"down_rotation=x", "down_rotation"}, {"steps=99999999999", "steps"}};
  for (const auto& [set, key] : cases) {
    labkit::Config c(labkit::ostquant_calibrate::default_config());
    c.apply_override(set);
    try {
      labkit::ostquant_calibrate::Settings::from_config(c);
      ADD_FAILURE() << set << " was accepted";
    } catch (const labkit::InputError& e) {
      EXPECT_EQ(std::string(e.what()).find("config " + key + ": "), 0u) << set << ": " << e.what();
    }
  }
  EXPECT_NO_THROW(labkit::ostquant_calibrate::Settings::from_config(labkit::Config(labkit::ostquant_calibrate::default_config())));
  const auto dir = labkit::test::fresh_temp_dir("ostq_cfg");
  for (const auto& [set, key] : std::vector<std::pair<std::string, std::string>>{
           {"settings='[]'", "settings"}, {"steps=-1", "steps"}, {"checkpoint_every=0", "checkpoint_every"}}) {
    const auto out = dir + "/" + key;
    auto r = run_command(tool() + " " + shell_quote(labkit::ostquant_calibrate::test::stories_path()) + " --out " + shell_quote(out) +
                         " --threads 1 --set " + set);
    EXPECT_EQ(r.exit_code, 2) << set << "\n" << r.err;
    EXPECT_NE(r.err.find("config " + key + ":"), std::string::npos) << set << "\n" << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << set << "\n" << r.err;
    EXPECT_FALSE(fs::exists(out + "/report.json")) << set;
  }
  // A window longer than the model's context.
  auto r = run_command(tool() + " " + shell_quote(labkit::ostquant_calibrate::test::stories_path()) + " --out " + shell_quote(dir + "/w") +
                       " --threads 1 --set window=513");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("config window: 513 is longer than the model's seq_len 512"), std::string::npos) << r.err;
}

TEST(OstquantRobustness, NanWeightsAreBadInputNamingTheFile) {
  const auto model = write_model("ostq_nan", "model.layers.0.mlp.up_proj.weight");
  const auto out = labkit::test::fresh_temp_dir("ostq_nan_out") + "/run";
  auto r = run_command(tool() + " " + shell_quote(model) + " --out " + shell_quote(out) + kTiny);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find(model), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("model.layers.0.mlp.up_proj.weight' holds NaN or inf"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(out + "/report.json"));
}

// --checkpoint is the glossary's name for model weights (dbattn-bench takes it too): the same as MODEL, so
// the same bad weights give the same error; the model given twice or not at all is refused (issue 13).
TEST(OstquantInterface, CheckpointFlagIsTheModel) {
  const auto model = write_model("ostq_ckpt", "model.layers.0.mlp.up_proj.weight");
  const auto out = labkit::test::fresh_temp_dir("ostq_ckpt_out") + "/run";
  auto r = run_command(tool() + " --checkpoint " + shell_quote(model) + " --out " + shell_quote(out) + kTiny);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("model.layers.0.mlp.up_proj.weight' holds NaN or inf"), std::string::npos) << r.err;
  r = run_command(tool() + " " + shell_quote(model) + " --checkpoint " + shell_quote(model) + " --out " + shell_quote(out));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("the model is given twice"), std::string::npos) << r.err;
  r = run_command(tool() + " --out " + shell_quote(out));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("no model given: ostquant-calibrate MODEL or --checkpoint MODEL"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(out + "/report.json"));
}

// A finite head so large that the logits overflow: the perplexity is not finite, the run fails (exit 1)
// and leaves no results behind (no token files, no model, no report), only its config.
TEST(OstquantRobustness, NonFiniteMetricsFailTheRunAndWriteNoResults) {
  const auto model = write_model("ostq_huge", "", "lm_head.weight");
  const auto dir = labkit::test::fresh_temp_dir("ostq_huge_out");
  {
    std::ofstream f(dir + "/tokens.txt");
    for (int s = 0; s < 4; ++s) {
      for (int t = 0; t < 40; ++t) f << (s * 7 + t * 3) % 64 << (t + 1 < 40 ? " " : "\n");
    }
  }
  const auto out = dir + "/run";
  auto r = run_command(tool() + " " + shell_quote(model) + " --out " + shell_quote(out) + kTiny +
                       " --set 'methods=[\"fp\",\"rtn\"]' --calib-tokens " + shell_quote(dir + "/tokens.txt") +
                       " --eval-tokens " + shell_quote(dir + "/tokens.txt"));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("fp/W4A4KV4: perplexity is"), std::string::npos) << r.err;
  for (const char* f : {"report.json", "calib_tokens.txt", "eval_tokens.txt", "model"})
    EXPECT_FALSE(fs::exists(out + "/" + f)) << f;
}

TEST(OstquantRobustness, TokenizerOfAnotherVocabularyIsRefused) {
  const std::string tok32k = std::string(LABKIT_SHARED_DATA_DIR) + "/llm/llama2c_tokenizer.bin";
  const std::string text = std::string(LABKIT_SHARED_DATA_DIR) + "/llm/tinystories_sample.txt";
  const auto dir = labkit::test::fresh_temp_dir("ostq_tok");
  auto r = run_command(tool() + " " + shell_quote(labkit::ostquant_calibrate::test::stories_path()) + " --out " + shell_quote(dir + "/a") +
                       kTiny + " --calib-text " + shell_quote(text) + " --eval-text " + shell_quote(text) +
                       " --tokenizer " + shell_quote(tok32k));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find(tok32k + ": the tokenizer has 32000 tokens but the model's vocabulary has 512"),
            std::string::npos) << r.err;
  // The first 512 entries of the same file form a tokenizer of the model's size: accepted. Its entry
  // count is read from the file, independently of the model.
  const auto bytes = labkit::read_file(tok32k);
  size_t pos = 4;
  for (int i = 0; i < 512; ++i) {
    int32_t len = 0;
    std::memcpy(&len, bytes.data() + pos + 4, 4);
    pos += 8 + static_cast<size_t>(len);
  }
  labkit::write_file_atomically(dir + "/tok512.bin", bytes.substr(0, pos));
  EXPECT_EQ(labkit::ostquant_calibrate::llama2c_tokenizer_entries(dir + "/tok512.bin"), 512);
  EXPECT_EQ(labkit::ostquant_calibrate::llama2c_tokenizer_entries(tok32k), 32000);
  labkit::write_file_atomically(dir + "/cut.bin", bytes.substr(0, pos - 3));
  EXPECT_THROW(labkit::ostquant_calibrate::llama2c_tokenizer_entries(dir + "/cut.bin"), labkit::InputError);
  auto ok = run_command(tool() + " " + shell_quote(labkit::ostquant_calibrate::test::stories_path()) + " --out " + shell_quote(dir + "/b") +
                        kTiny + " --set 'methods=[\"fp\"]' --set window=16 --calib-text " + shell_quote(text) +
                        " --eval-text " + shell_quote(text) + " --tokenizer " + shell_quote(dir + "/tok512.bin"));
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
}

// Progress lines without a terminal (stderr is a file here) at LABKIT_PROGRESS_INTERVAL, and the
// perplexity table on stdout with the values of report.json.
TEST(OstquantInterface, ProgressOnStderrAndPerplexityTableOnStdout) {
  const auto out = labkit::test::fresh_temp_dir("ostq_progress") + "/run";
  auto r = run_command("LABKIT_PROGRESS_INTERVAL=0.001 " + tool() + " " + shell_quote(labkit::ostquant_calibrate::test::stories_path()) +
                       " --out " + shell_quote(out) + kTiny + " --set 'methods=[\"fp\",\"rtn\",\"ost\"]'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("calibrate ost/W4A4KV4 1/2"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("calibrate ost/W4A4KV4: 2 step in"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("methods 1/3"), std::string::npos) << r.err;
  auto report = nlohmann::json::parse(labkit::read_file(out + "/report.json"));
  const auto& m = report["metrics"];
  EXPECT_EQ(r.out.find("perplexity"), 0u) << r.out;
  EXPECT_NE(r.out.find("W4A4KV4"), std::string::npos) << r.out;
  for (const auto& [row, ppl] : std::vector<std::pair<std::string, double>>{
           {"fp", m["fp_ppl"].get<double>()},
           {"rtn", m["results"]["rtn"]["W4A4KV4"]["ppl"].get<double>()},
           {"ost", m["results"]["ost"]["W4A4KV4"]["ppl"].get<double>()}}) {
    char line[128];
    std::snprintf(line, sizeof line, "%-16s %12.3f\n", row.c_str(), ppl);
    EXPECT_NE(r.out.find(line), std::string::npos) << line << "in\n" << r.out;
  }
  EXPECT_EQ(r.out.find("[info]"), std::string::npos) << "logs belong on stderr";
}

// SLURM pre-emption: SIGTERM mid-calibration writes the checkpoint and exits 1 without a report; --resume
// continues from it and ends where an uninterrupted run ends.
TEST(OstquantRobustness, SigtermCheckpointsAndResumeEqualsAnUninterruptedRun) {
  const auto dir = labkit::test::fresh_temp_dir("ostq_sigterm");
  const std::string args = " " + shell_quote(labkit::ostquant_calibrate::test::stories_path()) + kTiny +
                           " --set steps=60 --set checkpoint_every=5 --set 'methods=[\"ost\"]'";
  auto full = run_command(tool() + args + " --out " + shell_quote(dir + "/full"));
  ASSERT_EQ(full.exit_code, 0) << full.err;
  const auto out = dir + "/cut";
  const int code = labkit::test::run_and_signal_when(
      tool() + args + " --out " + shell_quote(out) + " 2>" + shell_quote(dir + "/cut.err"),
      out + "/checkpoint-ost-W4A4KV4.safetensors", SIGTERM);
  const auto err = labkit::read_file(dir + "/cut.err");
  ASSERT_EQ(code, 1) << err;
  EXPECT_NE(err.find("calibration ost/W4A4KV4 stopped on request after step"), std::string::npos) << err;
  EXPECT_FALSE(fs::exists(out + "/report.json"));
  auto resumed = run_command(tool() + args + " --out " + shell_quote(out) + " --resume");
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  const auto a = nlohmann::json::parse(labkit::read_file(dir + "/full/report.json"))["metrics"]["results"]["ost"]["W4A4KV4"];
  const auto b = nlohmann::json::parse(labkit::read_file(out + "/report.json"))["metrics"]["results"]["ost"]["W4A4KV4"];
  const int64_t from = b["train"]["resumed_from"].get<int64_t>();
  EXPECT_GT(from, 0);
  EXPECT_LT(from, 60) << "the SIGTERM came after the calibration had finished";
  EXPECT_NEAR(a["ppl"].get<double>(), b["ppl"].get<double>(), 1e-9 * a["ppl"].get<double>());
  ASSERT_EQ(a["train"]["loss"].size(), b["train"]["loss"].size());
  for (size_t i = 0; i < a["train"]["loss"].size(); ++i)
    EXPECT_NEAR(a["train"]["loss"][i].get<double>(), b["train"]["loss"][i].get<double>(), 1e-9) << i;
  auto ta = labkit::torchutil::load_safetensors(dir + "/full/transforms-ost-W4A4KV4.safetensors");
  auto tb = labkit::torchutil::load_safetensors(out + "/transforms-ost-W4A4KV4.safetensors");
  for (const auto& [k, v] : ta) EXPECT_LT((v - tb.at(k)).abs().max().item<double>(), 1e-9) << k;
}
