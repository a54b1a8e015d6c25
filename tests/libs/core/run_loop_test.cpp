// End-to-end tests of the shared run loop with real processes of a tiny tool (test_tool_main.cpp):
// stdout table and --json, --show-config, the --out lock, reruns after failed runs, --resume checks.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "labkit/core/atomic_file.h"
#include "run_command.h"

namespace fs = std::filesystem;
using labkit::test::CommandResult;
using labkit::test::run_command;
using labkit::test::shell_quote;

namespace {

const std::string kTool = LABKIT_TEST_TOOL;

CommandResult tool(const std::string& args, bool resumable = false) {
  return run_command(std::string(resumable ? "LABKIT_TEST_TOOL_RESUME=1 " : "") + shell_quote(kTool) + " " + args);
}

int lines(const std::string& s) { return static_cast<int>(std::count(s.begin(), s.end(), '\n')); }

}  // namespace

TEST(RunLoop, SummaryTableOnStdoutLogsOnStderr) {
  const auto r = tool("--set steps=4");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "steps  4\n"
            "loss   0.375\n"
            "\n"
            "per step\n"
            "step  value\n"
            "----  -----\n"
            "   1    0.5\n"
            "   2   0.25\n");
  EXPECT_EQ(r.err, "");
}

TEST(RunLoop, JsonIsOneDocumentOfTheMetrics) {
  const std::string dir = labkit::test::fresh_temp_dir("runloop_json");
  const auto r = tool("--json --set alpha=2 --out " + shell_quote(dir + "/out"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j, (nlohmann::json{{"steps", 3}, {"alpha", 2.0}, {"loss", 2.0 / 3.0}}));
  const auto report = nlohmann::json::parse(labkit::read_file(dir + "/out/report.json"));
  EXPECT_EQ(report["metrics"], j) << "stdout --json equals report.json's metrics";
}

TEST(RunLoop, ShowConfigMergesDefaultsFileAndSet) {
  const std::string dir = labkit::test::fresh_temp_dir("runloop_show_config");
  std::ofstream(dir + "/c.json") << R"({"alpha": 0.5, "steps": 7})";
  const auto r = tool("--config " + shell_quote(dir + "/c.json") + " --set steps=9 --show-config --out " +
                      shell_quote(dir + "/out"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out),
            (nlohmann::json{{"steps", 9}, {"alpha", 0.5}, {"fail", false}, {"hold_until", ""}}));
  EXPECT_FALSE(fs::exists(dir + "/out")) << "nothing runs, nothing is written";
}

TEST(RunLoop, UnknownKeySuggestsTheNearest) {
  const auto r = tool("--set step=4");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(lines(r.err), 1) << r.err;
  EXPECT_NE(r.err.find("unknown config key 'step' (did you mean 'steps'?)"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
}

TEST(RunLoop, RangeErrorNamesTheKey) {
  const auto r = tool("--set steps=-5");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("config steps: must be in [1, 1000], got -5"), std::string::npos) << r.err;
}

TEST(RunLoop, SecondWriterIsRefusedWithThePid) {
  const std::string dir = labkit::test::fresh_temp_dir("runloop_lock");
  const std::string out = dir + "/out", release = dir + "/release";
  // The first run holds --out until `release` exists; the second (even with --force) must be refused.
  const std::string script =
      shell_quote(kTool) + " --out " + shell_quote(out) + " --set hold_until=" + shell_quote(release) +
      " >/dev/null 2>&1 & holder=$!\n"
      "for i in $(seq 600); do [ -e " + shell_quote(out + "/started") + " ] && break; sleep 0.1; done\n" +
      shell_quote(kTool) + " --force --out " + shell_quote(out) + "; second=$?\n"
      "touch " + shell_quote(release) + "; wait $holder; first=$?\n"
      "echo \"holder=$holder first=$first second=$second\"\n";
  const auto r = run_command("bash -c " + shell_quote(script));
  std::string holder_pid;
  {
    const auto at = r.out.find("holder=");
    ASSERT_NE(at, std::string::npos) << r.out;
    holder_pid = r.out.substr(at + 7, r.out.find(' ', at) - at - 7);
  }
  EXPECT_NE(r.out.find("first=0 second=2"), std::string::npos) << r.out << r.err;
  EXPECT_NE(r.err.find("another run holds this output directory (pid " + holder_pid + ")"), std::string::npos) << r.err;
  EXPECT_EQ(lines(r.err), 1) << r.err;
  // The holder finished normally: its report is there, and the refused run changed nothing.
  const auto report = nlohmann::json::parse(labkit::read_file(out + "/report.json"));
  EXPECT_EQ(report["config"]["hold_until"], release);
  // Released: the next run gets the lock.
  EXPECT_EQ(tool("--force --out " + shell_quote(out)).exit_code, 0);
}

TEST(RunLoop, RerunAfterFailedRunClearsIt) {
  const std::string out = labkit::test::fresh_temp_dir("runloop_rerun") + "/out";
  const auto failed = tool("--set fail=true --out " + shell_quote(out));
  ASSERT_EQ(failed.exit_code, 1) << failed.err;
  EXPECT_TRUE(fs::exists(out + "/partial.txt"));
  EXPECT_TRUE(fs::exists(out + "/config.json"));
  EXPECT_FALSE(fs::exists(out + "/report.json"));

  const auto rerun = tool("--out " + shell_quote(out));
  ASSERT_EQ(rerun.exit_code, 0) << rerun.err;
  EXPECT_NE(rerun.err.find("left by an unfinished run"), std::string::npos) << rerun.err;
  EXPECT_EQ(rerun.err.find("--resume"), std::string::npos) << "this tool has no --resume: " << rerun.err;
  EXPECT_TRUE(fs::exists(out + "/report.json"));
  EXPECT_EQ(nlohmann::json::parse(labkit::read_file(out + "/config.json"))["fail"], false);

  // A finished run is results: refused without --force, and the message does not mention --resume.
  const auto again = tool("--out " + shell_quote(out));
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_NE(again.err.find("--force"), std::string::npos) << again.err;
  EXPECT_EQ(again.err.find("--resume"), std::string::npos) << again.err;
}

TEST(RunLoop, FailedForceRunRemovesTheOldReportFirst) {
  const std::string out = labkit::test::fresh_temp_dir("runloop_force_fail") + "/out";
  ASSERT_EQ(tool("--out " + shell_quote(out)).exit_code, 0);
  const auto r = tool("--force --set fail=true --set steps=5 --out " + shell_quote(out));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_FALSE(fs::exists(out + "/report.json"));
  EXPECT_EQ(nlohmann::json::parse(labkit::read_file(out + "/config.json"))["steps"], 5);
}

TEST(RunLoop, ResumableToolKeepsFilesOnlyWithResume) {
  const std::string out = labkit::test::fresh_temp_dir("runloop_resume_keep") + "/out";
  ASSERT_EQ(tool("--set fail=true --out " + shell_quote(out), true).exit_code, 1);
  std::ofstream(out + "/checkpoint.bin") << "epoch 3";
  // --resume keeps the checkpoint and may change the keys the tool allows (fail).
  const auto resumed = tool("--resume --out " + shell_quote(out), true);
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_TRUE(fs::exists(out + "/checkpoint.bin"));

  const std::string out2 = labkit::test::fresh_temp_dir("runloop_resume_clear") + "/out";
  ASSERT_EQ(tool("--set fail=true --out " + shell_quote(out2), true).exit_code, 1);
  std::ofstream(out2 + "/checkpoint.bin") << "epoch 3";
  const auto fresh = tool("--out " + shell_quote(out2), true);
  ASSERT_EQ(fresh.exit_code, 0) << fresh.err;
  EXPECT_FALSE(fs::exists(out2 + "/checkpoint.bin")) << "without --resume an unfinished run starts over";
  EXPECT_NE(fresh.err.find("--resume keeps them"), std::string::npos) << fresh.err;
}

TEST(RunLoop, ResumeRefusesAChangedConfigNamingTheKeys) {
  const std::string out = labkit::test::fresh_temp_dir("runloop_resume_diff") + "/out";
  ASSERT_EQ(tool("--set fail=true --seed 3 --out " + shell_quote(out), true).exit_code, 1);
  const auto changed = tool("--resume --seed 3 --set steps=4 --set alpha=2 --out " + shell_quote(out), true);
  EXPECT_EQ(changed.exit_code, 2);
  EXPECT_EQ(lines(changed.err), 1) << changed.err;
  EXPECT_NE(changed.err.find("steps (3 -> 4)"), std::string::npos) << changed.err;
  EXPECT_NE(changed.err.find("alpha (1.5 -> 2"), std::string::npos) << changed.err;
  EXPECT_EQ(changed.err.find("fail"), std::string::npos) << "fail may change on resume: " << changed.err;
  const auto reseeded = tool("--resume --seed 4 --out " + shell_quote(out), true);
  EXPECT_EQ(reseeded.exit_code, 2);
  EXPECT_NE(reseeded.err.find("--seed (3 -> 4)"), std::string::npos) << reseeded.err;
  // The refused runs left the run as it was: the original config, and resuming it as it was works.
  EXPECT_EQ(nlohmann::json::parse(labkit::read_file(out + "/config.json"))["steps"], 3);
  EXPECT_EQ(tool("--resume --seed 3 --out " + shell_quote(out), true).exit_code, 0);
}

TEST(RunLoop, InputInsideAnUnfinishedOutIsNotCleared) {
  const std::string out = labkit::test::fresh_temp_dir("runloop_input_inside") + "/out";
  ASSERT_EQ(tool("--set fail=true --out " + shell_quote(out)).exit_code, 1);
  const std::string input = out + "/partial.txt";
  const auto r = tool("--out " + shell_quote(out) + " " + shell_quote(input));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("partial.txt"), std::string::npos) << r.err;
  EXPECT_TRUE(fs::exists(input));
}
