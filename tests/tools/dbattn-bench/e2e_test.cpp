// dbattn-bench end to end: each verb writes report.json and prints its table; bad input exits 2 naming
// the key or file; ppl on the real stories260K checkpoint.
#include <gtest/gtest.h>

#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>

#include "labkit/tensorio/safetensors.h"
#include "run_command.h"

using labkit::test::run_command;
using labkit::test::shell_quote;

namespace {
const std::string kTool = std::string(LABKIT_BIN_DIR) + "/dbattn-bench";
const std::string kStories = std::string(LABKIT_SHARED_DATA_DIR) + "/llm/stories260K.bin";

nlohmann::json report(const std::string& dir) {
  std::ifstream in(dir + "/report.json");
  return nlohmann::json::parse(in);
}

// A small error sweep: 1 block x 2 mantissas x 2 pivots + 2 MX formats on 8 rows of 256.
const std::string kSmall =
    " --set synthetic.rows=8 --set synthetic.length=256 --set 'sweep.blocks=[32]' --set 'sweep.mantissa_bits=[4,8]'"
    " --set 'sweep.pivots=[\"max\",\"median\"]' --set 'formats=[\"mxint8\",\"mxfp4_e2m1\"]' --threads 2";
}  // namespace

TEST(DbattnE2E, CostVerbWritesReportAndTable) {
  const auto dir = labkit::test::fresh_temp_dir("dbattn_cost");
  auto r = run_command(kTool + " cost --out " + shell_quote(dir) + " --log-level warn");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("| mxfp8_e4m3 | 8.25 |"), std::string::npos) << r.out;
  auto m = report(dir)["metrics"];
  EXPECT_EQ(m["verb"], "cost");
  for (const auto& f : m["formats"])
    if (f["format"] == "dbfp:b32:m8:e6:max:rne:inf") {
      EXPECT_DOUBLE_EQ(f["table_bytes"].get<double>(), 256 * 17 / 8.0);
    }
}

TEST(DbattnE2E, ErrorVerbOnSyntheticAndScoreFile) {
  const auto dir = labkit::test::fresh_temp_dir("dbattn_error");
  // A score file with a masked tail.
  std::vector<float> v(4 * 64);
  for (size_t i = 0; i < v.size(); ++i) v[i] = (i % 64) > 40 ? -std::numeric_limits<float>::infinity() : static_cast<float>((i * 37) % 11) - 5.0f;
  labkit::tensorio::SafetensorsWriter w;
  w.add("scores", labkit::tensorio::DType::kF32, {4, 64}, v.data(), v.size() * 4);
  w.write(dir + "/scores.safetensors");
  auto r = run_command(kTool + " error --out " + shell_quote(dir + "/out") + kSmall + " --scores " +
                       shell_quote(dir + "/scores.safetensors") + " --json --log-level warn");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto printed = nlohmann::json::parse(r.out);
  auto m = report(dir + "/out")["metrics"];
  EXPECT_EQ(printed, m);
  EXPECT_EQ(m["formats"].size(), 6u);
  EXPECT_EQ(m["sets"]["file"]["rows"], 4);
  EXPECT_EQ(m["sets"]["outliers"]["length"], 256);
  // More mantissa bits, less error (max pivot, gaussian rows).
  EXPECT_LT(m["formats"][2]["sets"]["gaussian"]["mean_kl"].get<double>(),
            m["formats"][0]["sets"]["gaussian"]["mean_kl"].get<double>());
  // Table mode prints the pivot comparison.
  r = run_command(kTool + " error --out " + shell_quote(dir + "/out") + " --force" + kSmall + " --log-level warn");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("non-max pivot vs max"), std::string::npos);
}

TEST(DbattnE2E, BadInputExitsTwoNamingTheKeyOrFile) {
  const auto dir = labkit::test::fresh_temp_dir("dbattn_bad");
  auto bad = [&](const std::string& args, const std::string& expect) {
    auto r = run_command(kTool + " error --out " + shell_quote(dir + "/o") + " --force " + args);
    EXPECT_EQ(r.exit_code, 2) << args << "\n" << r.err;
    EXPECT_NE(r.err.find(expect), std::string::npos) << args << "\n" << r.err;
    EXPECT_FALSE(std::ifstream(dir + "/o/report.json").good());
  };
  bad("--set 'sweep.mantissa_bits=[0]'", "config sweep.mantissa_bits[0]: must be in [1, 23], got 0");
  bad("--set 'sweep.blocks=[0]'", "config sweep.blocks[0]: must be in [1, 1024], got 0");
  bad("--set sweep.exponent_bits=3", "config sweep.exponent_bits: 3 exponent bits");
  bad("--set lut.index_bits=20", "config lut.index_bits: must be in [0, 16], got 20");
  bad("--scores " + shell_quote(dir + "/missing.safetensors"), dir + "/missing.safetensors");
  std::vector<float> v{1, 2, 3, std::numeric_limits<float>::quiet_NaN()};
  labkit::tensorio::SafetensorsWriter w;
  w.add("s", labkit::tensorio::DType::kF32, {4}, v.data(), 16);
  w.write(dir + "/rank1.safetensors");
  bad("--scores " + shell_quote(dir + "/rank1.safetensors"), "rank1.safetensors: tensor 's' must have shape [rows, n]");
  labkit::tensorio::SafetensorsWriter w2;
  w2.add("s", labkit::tensorio::DType::kF32, {2, 2}, v.data(), 16);
  w2.write(dir + "/nan.safetensors");
  bad("--scores " + shell_quote(dir + "/nan.safetensors"), "nan.safetensors: tensor 's' row 1: NaN score");
  auto r = run_command(kTool + " frobnicate --out " + shell_quote(dir + "/o") + " --force");
  EXPECT_EQ(r.exit_code, 2);
  r = run_command(kTool + " ppl --out " + shell_quote(dir + "/o") + " --force");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("ppl: needs --checkpoint"), std::string::npos) << r.err;
}

TEST(DbattnE2E, PplOnStories260K) {
  const auto dir = labkit::test::fresh_temp_dir("dbattn_ppl");
  auto r = run_command(kTool + " ppl --checkpoint " + shell_quote(kStories) + " --out " + shell_quote(dir) +
                       " --set model.streams=2 --set model.window=64 --set model.capture_rows=8"
                       " --set 'ppl_formats=[\"fp32\",\"dbfp:b32:m8:e6:max:rne:inf\",\"dbfp:b32:m2:e6:max:rne:inf\"]'"
                       " --threads 2 --log-level warn");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto m = report(dir)["metrics"];
  const double base = m["torch_ppl"].get<double>();
  EXPECT_GT(base, 1.0);
  EXPECT_LT(base, 512.0);
  ASSERT_EQ(m["formats"].size(), 3u);
  EXPECT_EQ(m["formats"][0]["per_layer"].size(), 5u);  // stories260K has 5 layers
  // fp32 with an 8-bit LUT and m8 DBFP stay close to torch's softmax; 2-bit mantissas do not.
  EXPECT_LT(std::fabs(m["formats"][0]["delta_vs_torch"].get<double>()), 0.02 * base);
  EXPECT_LT(std::fabs(m["formats"][1]["delta_vs_torch"].get<double>()), 0.05 * base);
  EXPECT_GT(m["formats"][2]["captured"]["mean_kl"].get<double>(), m["formats"][1]["captured"]["mean_kl"].get<double>());
  EXPECT_NE(r.out.find("| dbfp:b32:m8:e6:max:rne:inf |"), std::string::npos) << r.out;
}

TEST(DbattnE2E, SpeedVerbRuns) {
  const auto dir = labkit::test::fresh_temp_dir("dbattn_speed");
  auto r = run_command(kTool + " speed --out " + shell_quote(dir) +
                       " --set 'speed.lengths=[128,300]' --set speed.heads=2 --set speed.queries=2 --set speed.repeats=1"
                       " --threads 1 --log-level warn");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto m = report(dir)["metrics"];
  ASSERT_EQ(m["lengths"].size(), 2u);
  for (const auto& l : m["lengths"]) {
    EXPECT_GT(l["kernel_rows_per_s"].get<double>(), 0);
    EXPECT_LT(l["max_abs_vs_aten"].get<double>(), 0.05);  // m6 DBFP + 8-bit LUT against ATen's fp32 softmax
  }
}
