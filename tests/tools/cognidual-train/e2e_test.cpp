// cognidual-train end to end on a tiny model: the report's structure and accounting, curves, bad input
// (exit 2 naming the key or the line), and a run killed with SIGKILL that --resume finishes with the same
// losses and accuracies as an uninterrupted run.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>
#include <unistd.h>

#include "run_command.h"

using labkit::test::run_command;
using labkit::test::shell_quote;

namespace {

const std::string kTool = std::string(LABKIT_BIN_DIR) + "/cognidual-train";
// Seconds of work at most: two families, a 1-layer model of width 16, 30 + 6 steps.
const std::string kTiny =
    " --threads 1 --log-level warn --set 'tasks.families=[\"addition\",\"ordering\"]' --set tasks.difficulty.addition=2"
    " --set tasks.difficulty.ordering=3 --set tasks.test_questions=3 --set tasks.train_questions=20"
    " --set tasks.unlabeled_questions=4 --set 'self_train.sizes=[2,6]' --set model.dim=16 --set model.hidden=32"
    " --set model.layers=1 --set model.heads=2 --set model.kv_heads=2 --set model.seq_len=96 --set train.steps=30"
    " --set train.batch_size=4 --set train.warmup_steps=3 --set train.checkpoint_every=5 --set self_train.train.steps=6"
    " --set self_train.train.batch_size=4 --set self_train.train.warmup_steps=1 --set self_train.samples=2"
    " --set eval.max_cot_tokens=24 --set eval.max_direct_tokens=6";

nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

}  // namespace

TEST(CognidualE2E, RunWritesReportCurvesDataAndModels) {
  const auto out = labkit::test::fresh_temp_dir("cognidual_e2e_run") + "/out";
  auto r = run_command(kTool + " run --out " + shell_quote(out) + kTiny + " --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto m = nlohmann::json::parse(r.out);
  EXPECT_EQ(m["questions"]["test"], 6);
  EXPECT_EQ(m["questions"]["train"], 40);
  for (const char* mode : {"direct", "cot"})
    for (const char* f : {"addition", "ordering", "all"}) {
      const auto& row = m["before"][mode][f];
      EXPECT_GE(row["accuracy"].get<double>(), 0.0);
      EXPECT_LE(row["accuracy"].get<double>(), 1.0);
      EXPECT_EQ(row["correct"].get<int>(), static_cast<int>(std::lround(row["accuracy"].get<double>() * row["questions"].get<int>())));
    }
  EXPECT_EQ(m["before"]["direct"]["all"]["questions"], 6);
  ASSERT_EQ(m["self_training"].size(), 2u);
  EXPECT_EQ(m["self_training"][1]["size"], 6);
  EXPECT_LE(m["self_training"][1]["kept"].get<int>(), 6);
  const auto report = read_json(out + "/report.json");
  ASSERT_TRUE(report.contains("curves")) << report.dump();
  EXPECT_EQ(report["curves"]["base_loss"].size(), 30u);
  EXPECT_EQ(report["curves"]["base_loss"][29][0], 30);
  for (const char* f : {"data/test.jsonl", "data/train.jsonl", "data/unlabeled.jsonl", "base_model/model.safetensors",
                        "base_model/config.json"})
    EXPECT_TRUE(std::filesystem::exists(out + "/" + f)) << f;
  // No test question in the written training sets.
  std::set<std::string> test;
  std::ifstream t(out + "/data/test.jsonl");
  for (std::string line; std::getline(t, line);) test.insert(nlohmann::json::parse(line)["question"]);
  for (const char* set : {"/data/train.jsonl", "/data/unlabeled.jsonl"}) {
    std::ifstream s(out + set);
    for (std::string line; std::getline(s, line);) EXPECT_FALSE(test.count(nlohmann::json::parse(line)["question"]));
  }
  // stdout table without --json
  auto again = run_command(kTool + " run --force --out " + shell_quote(out) + kTiny);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("direct@6"), std::string::npos) << again.out;
}

// LoRA self-training: the adapters in PEFT's layout beside the merged model, which differs from the base.
// self_consistency with min_agreement 0 keeps every sampled answer, so the tiny model has something to
// learn from; those samples are raw bytes, not always UTF-8 (writing them once failed the run, exit 1).
TEST(CognidualE2E, LoraSelfTrainingWritesPeftAdaptersAndTheMergedModel) {
  const auto out = labkit::test::fresh_temp_dir("cognidual_e2e_lora") + "/out";
  auto r = run_command(kTool + " run --out " + shell_quote(out) + kTiny +
                       " --set self_train.lora.rank=2 --set self_train.filter=self_consistency"
                       " --set self_train.min_agreement=0 --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto m = nlohmann::json::parse(r.out);
  ASSERT_GT(m["self_training"][1]["kept"].get<int>(), 0);
  EXPECT_EQ(m["self_training"][1]["fine_tune"], "lora r=2 alpha=16");
  const auto adapter = out + "/self_trained_6_lora";
  EXPECT_EQ(read_json(adapter + "/adapter_config.json")["peft_type"], "LORA");
  EXPECT_EQ(read_json(adapter + "/adapter_config.json")["r"], 2);
  EXPECT_TRUE(std::filesystem::exists(adapter + "/adapter_model.safetensors"));
  auto bytes = [](const std::string& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  EXPECT_NE(bytes(out + "/self_trained_6/model.safetensors"), bytes(out + "/base_model/model.safetensors"));
  auto bad = run_command(kTool + " run --out " + shell_quote(out + "-bad") + kTiny +
                         " --set self_train.lora.rank=2 --set 'self_train.lora.targets=[\"qkv\"]'");
  EXPECT_EQ(bad.exit_code, 2) << bad.err;
  EXPECT_NE(bad.err.find("self_train.lora.targets"), std::string::npos) << bad.err;
}

// Data parallel: two ranks over Gloo, each with its own --out, train the same model (byte-identical
// replicas) with the losses of one process on the whole batch (float summation order aside).
TEST(CognidualE2E, TwoRanksTrainTheSingleProcessModel) {
#ifndef LABKIT_TEST_HAVE_GLOO
  GTEST_SKIP() << "LibTorch without Gloo: no CPU process group";
#endif
  const auto dir = labkit::test::fresh_temp_dir("cognidual_e2e_ranks");
  const std::string args = kTiny + " --set 'self_train.sizes=[2]'";
  const std::string port = std::to_string(20000 + ::getpid() % 20000);
  const std::string env = "MASTER_ADDR=127.0.0.1 MASTER_PORT=" + port + " WORLD_SIZE=2 OMP_NUM_THREADS=1";
  auto r = run_command("(" + env + " RANK=0 " + kTool + " run --out " + shell_quote(dir + "/r0") + args + " & " + env +
                       " RANK=1 " + kTool + " run --out " + shell_quote(dir + "/r1") + args + "; s1=$?; wait $!; s0=$?; " +
                       "exit $((s0 | s1)))");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto single = run_command("env -u RANK -u WORLD_SIZE " + kTool + " run --out " + shell_quote(dir + "/single") + args);
  ASSERT_EQ(single.exit_code, 0) << single.err;
  auto bytes = [](const std::string& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  EXPECT_EQ(bytes(dir + "/r0/base_model/model.safetensors"), bytes(dir + "/r1/base_model/model.safetensors"));
  const auto r0 = read_json(dir + "/r0/report.json"), one = read_json(dir + "/single/report.json");
  EXPECT_EQ(r0["distributed"]["world_size"], 2);
  EXPECT_EQ(read_json(dir + "/r1/report.json")["distributed"]["rank"], 1);
  const auto& a = r0["curves"]["base_loss"];
  const auto& b = one["curves"]["base_loss"];
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i][1].get<double>(), b[i][1].get<double>(), 1e-4) << "step " << i + 1;
}

TEST(CognidualE2E, BadInputExitsTwoNamingTheKeyOrLine) {
  const auto dir = labkit::test::fresh_temp_dir("cognidual_e2e_bad");
  auto r = run_command(kTool + " run --out " + shell_quote(dir + "/a") + " --set self_train.filter=vibes");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("self_train.filter"), std::string::npos) << r.err;
  std::ofstream(dir + "/gsm.jsonl") << "{\"question\": \"q\", \"answer\": \"#### 4\"}\n{\"question\": 3}\n";
  r = run_command(kTool + " tasks --out " + shell_quote(dir + "/b") + " --task-format gsm8k --task-file " +
                  shell_quote(dir + "/gsm.jsonl") + kTiny);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("gsm.jsonl: line 2"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir + "/b/report.json"));
  // model too short for the examples
  r = run_command(kTool + " run --out " + shell_quote(dir + "/c") + kTiny + " --set model.seq_len=16");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("model.seq_len"), std::string::npos) << r.err;
  // the tasks verb converts a good file
  std::ofstream(dir + "/ok.jsonl") << "{\"question\": \"q\", \"answer\": \"x\\n#### 1,000\"}\n";
  r = run_command(kTool + " tasks --out " + shell_quote(dir + "/d") + " --task-format gsm8k --task-file " +
                  shell_quote(dir + "/ok.jsonl") + kTiny + " --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["examples"]["gsm8k"]["gsm8k"], 1);
}

TEST(CognidualE2E, SigkillThenResumeEqualsAnUninterruptedRun) {
  const auto dir = labkit::test::fresh_temp_dir("cognidual_e2e_resume");
  const std::string heavier = kTiny + " --set train.steps=60";
  auto whole = run_command(kTool + " run --json --out " + shell_quote(dir + "/whole") + heavier);
  ASSERT_EQ(whole.exit_code, 0) << whole.err;
  // Kill -9 once the first base-training checkpoint exists, then resume.
  const std::string out = dir + "/killed";
  auto r = run_command("( " + kTool + " run --out " + shell_quote(out) + heavier + " & pid=$!; for i in $(seq 600); do "
                       "[ -f " + shell_quote(out + "/checkpoint/base/latest.json") + " ] && break; sleep 0.05; done; "
                       "kill -9 $pid; wait $pid; echo killed $? )");
  ASSERT_NE(r.out.find("killed 137"), std::string::npos) << r.out << r.err;
  EXPECT_FALSE(std::filesystem::exists(out + "/report.json"));
  auto resumed = run_command(kTool + " run --resume --json --out " + shell_quote(out) + heavier);
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  const auto a = read_json(dir + "/whole/report.json"), b = read_json(out + "/report.json");
  EXPECT_EQ(a["curves"], b["curves"]);
  auto acc = [](const nlohmann::json& m) {
    auto j = m["metrics"];
    for (auto* mode : {"direct", "cot"}) j["before"][mode]["all"].erase("ms_per_answer");
    return j["before"]["cot"]["all"]["correct"].dump() + j["self_training"][1]["kept"].dump() +
           j["self_training"][1]["after"]["direct"]["all"]["correct"].dump();
  };
  EXPECT_EQ(acc(a), acc(b));
  // SIGTERM (pre-emption): exit 1 after writing a checkpoint; --resume finishes with the same curves.
  const std::string term = dir + "/term";
  r = run_command("( " + kTool + " run --out " + shell_quote(term) + heavier + " & pid=$!; for i in $(seq 600); do "
                  "[ -f " + shell_quote(term + "/checkpoint/base/latest.json") + " ] && break; sleep 0.05; done; "
                  "kill -TERM $pid; wait $pid; echo stopped $? )");
  ASSERT_NE(r.out.find("stopped 1"), std::string::npos) << r.out << r.err;
  EXPECT_NE(r.err.find("SIGTERM"), std::string::npos) << r.err;
  resumed = run_command(kTool + " run --resume --json --out " + shell_quote(term) + heavier);
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_EQ(read_json(term + "/report.json")["curves"], a["curves"]);
  // A changed config is refused on resume.
  auto changed = run_command(kTool + " run --resume --out " + shell_quote(out) + heavier + " --set train.lr=0.01");
  EXPECT_EQ(changed.exit_code, 2) << changed.err;
}

// The generate verb on stories260K from BOS, 64 positions, single thread: the text must equal what
// llama2.c's run.c printed for the same model, tokenizer and step count at temperature 0
// (data/runc_stories260K_greedy64.txt: `run stories260K.bin -z llama2c_tokenizer.bin -t 0 -n 64`, run.c of
// karpathy/llama2.c 350e04f built with gcc -O3 -march=native); bench/cognidual-train times the two.
TEST(CognidualE2E, GenerateOnStories260KPrintsRunCsGreedyText) {
  const std::string llm = std::string(LABKIT_SHARED_DATA_DIR) + "/llm/";
  const auto dir = labkit::test::fresh_temp_dir("cognidual_e2e_generate");
  const std::string args = " --model " + shell_quote(llm + "stories260K.bin") + " --tokenizer " +
                           shell_quote(llm + "llama2c_tokenizer.bin") + " --prompt '' --threads 1 --repeats 1";
  auto r = run_command(kTool + " generate --json --out " + shell_quote(dir + "/g") + args + " --steps 64");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto m = nlohmann::json::parse(r.out);
  EXPECT_EQ(m["prompt_tokens"], 1);
  EXPECT_EQ(m["new_tokens"], 64);
  // pos 0 argmax of the float64 numpy reference (tests/libs/llama/stories260K_reference.txt)
  EXPECT_EQ(m["tokens"][1], 461);
  std::ifstream in(std::string(LABKIT_SOURCE_DIR) + "/tests/tools/cognidual-train/data/runc_stories260K_greedy64.txt");
  const std::string runc((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(m["text"].get<std::string>() + "\n", runc);
  EXPECT_GT(m["tokens_per_s"].get<double>(), 0.0);
  // steps must leave room for a new token and fit seq_len (512)
  r = run_command(kTool + " generate --out " + shell_quote(dir + "/bad") + args + " --steps 513");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("seq_len 512"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir + "/bad/report.json"));
}
