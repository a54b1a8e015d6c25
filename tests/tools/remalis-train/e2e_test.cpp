// remalis-train end to end on tiny settings: the report (metrics, curves, episode logs), the ablation
// table, bad input (exit 2 naming the key), sumo failures (missing, failing to start, killed mid-episode),
// SIGKILL-then-resume equal to an uninterrupted run, and a SUMO training run when sumo is installed.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "run_command.h"
#include "subprocess.h"

using labkit::test::run_command;
using labkit::test::shell_quote;

namespace {

const std::string kTool = std::string(LABKIT_BIN_DIR) + "/remalis-train";
const std::string kTiny =
    " --threads 1 --log-level warn --set tasks.level=easy --set agents.hidden=16 --set agents.critic_hidden=16"
    " --set train.iterations=4 --set train.episodes_per_iteration=8 --set train.parallel_envs=8 --set train.epochs=2"
    " --set eval.episodes=10 --set eval.log_episodes=2";

nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

bool have_sumo() { return !labkit::remalis_train::find_executable("sumo").empty() && !labkit::remalis_train::find_executable("netgenerate").empty(); }

}  // namespace

TEST(RemalisE2E, TrainWritesMetricsCurvesWeightsAndEpisodeLogs) {
  const auto out = labkit::test::fresh_temp_dir("remalis_e2e_train") + "/out";
  const auto r = run_command(kTool + " train --json --out " + shell_quote(out) + kTiny);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto m = nlohmann::json::parse(r.out);
  const auto& e = m["evaluation"];
  EXPECT_EQ(e["episodes"], 10);
  for (const char* k : {"success", "aligned_subtasks", "finished_subtasks"}) {
    EXPECT_GE(e[k].get<double>(), 0.0) << k;
    EXPECT_LE(e[k].get<double>(), 1.0) << k;
  }
  EXPECT_LE(e["aligned_subtasks"].get<double>(), e["finished_subtasks"].get<double>());
  EXPECT_GE(e["coordination_steps"].get<double>(), 1.0);
  EXPECT_LE(e["coordination_steps"].get<double>(), 10.0);  // easy: at most 8 steps of work in a chain, plus 2
  EXPECT_GT(m["parameters"].get<int>(), 1000);
  EXPECT_GT(m["samples_per_second"].get<double>(), 0);
  const auto report = read_json(out + "/report.json");
  EXPECT_EQ(report["curves"]["episode return"]["series"]["train"].size(), 4u);
  EXPECT_EQ(report["curves"]["losses"]["series"]["policy_loss"].size(), 4u);
  EXPECT_TRUE(std::filesystem::exists(out + "/model.pt"));
  // Episode logs: one line per step, then the episode's summary line; two episodes.
  std::ifstream log(out + "/episodes.jsonl");
  int steps = 0, summaries = 0;
  for (std::string line; std::getline(log, line);) {
    const auto j = nlohmann::json::parse(line);
    if (j.contains("metrics")) {
      ++summaries;
      EXPECT_EQ(j["metrics"]["coordination_steps"].get<int>(), steps);
      steps = 0;
    } else {
      EXPECT_EQ(j["actions"].size(), 3u);
      ++steps;
    }
  }
  EXPECT_EQ(summaries, 2);
  // The stdout table without --json.
  const auto again = run_command(kTool + " train --force --out " + shell_quote(out) + kTiny);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("aligned_subtasks"), std::string::npos) << again.out;
}

TEST(RemalisE2E, AblationTableHasEveryModeAndLevel) {
  const auto out = labkit::test::fresh_temp_dir("remalis_e2e_ablation") + "/out";
  const std::string modes = " --set 'ablation.modes=[\"single_agent\",\"recursive\",\"full-no_confusion\",\"full\"]'";
  const auto r = run_command(kTool + " ablation --json --out " + shell_quote(out) + kTiny + " --set train.iterations=1" + modes +
                             " --set 'ablation.levels=[\"easy\"]' --set 'ablation.seeds=[0,1]'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto m = nlohmann::json::parse(r.out);
  // Each variant trained the modules it names (result.json keeps what the network used).
  const auto used = [&](const std::string& v) { return read_json(out + "/runs/easy-" + v + "-seed0/result.json")["modules"]; };
  EXPECT_EQ(used("recursive")["recursion_depth"], 1);
  EXPECT_EQ(used("recursive")["confusion"], false);
  EXPECT_EQ(used("full-no_confusion")["confusion"], false);
  EXPECT_EQ(used("full-no_confusion")["desired_teammate"], true);
  EXPECT_EQ(used("full")["confusion"], true);
  EXPECT_EQ(used("full")["vocabulary"], 16);
  EXPECT_EQ(used("full")["imitation"], true);
  for (const char* mode : {"single_agent", "recursive", "full-no_confusion", "full"}) {
    const auto& cell = m["ablation"]["easy"][mode];
    EXPECT_EQ(cell["success"]["seeds"].size(), 2u) << mode;
    EXPECT_GE(cell["miscoordination"]["mean"].get<double>(), 0.0);
  }
  for (const char* mode : {"single_agent", "full"})
    EXPECT_LE(m["ablation"]["easy"][mode]["aligned_subtasks"]["mean"].get<double>(),
              m["ablation"]["easy"][mode]["finished_subtasks"]["mean"].get<double>()) << mode;
  // Finished runs are kept: --resume reads them back instead of training again, with the same table.
  const auto again = run_command(kTool + " ablation --json --resume --out " + shell_quote(out) + kTiny + " --set train.iterations=1" +
                                 modes + " --set 'ablation.levels=[\"easy\"]' --set 'ablation.seeds=[0,1]'");
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(nlohmann::json::parse(again.out)["ablation"], m["ablation"]);
}

TEST(RemalisE2E, BadInputIsOneLineAndExitTwo) {
  const auto dir = labkit::test::fresh_temp_dir("remalis_e2e_bad");
  struct Case {
    std::string set, key;
  };
  for (const auto& c : std::vector<Case>{{"sumo.scenario=hell", "sumo.scenario"},
                                         {"sumo.grid=5x5", "sumo.grid"},  // contradicts the default grid3
                                         {"sumo.grid=3by3 --set sumo.scenario=grid", "sumo.grid"},
                                         {"tasks.level=impossible", "tasks.level"},
                                         {"agents.heads=3", "agents.heads"},
                                         {"agents.vocabulary=1", "agents.vocabulary"},
                                         {"agents.recursion_depth=9", "agents.recursion_depth"},
                                         {"'ablation.modes=[\"full-no_everything\"]'", "ablation.modes[0]"},
                                         {"env=sumo --set sumo.sumo_binary=/nonexistent/sumo", "sumo.sumo_binary"},
                                         {"env=sumo --set sumo.netgenerate_binary=no-such-netgenerate", "sumo.netgenerate_binary"}}) {
    const auto r = run_command(kTool + " train --out " + shell_quote(dir + "/o") + kTiny + " --set " + c.set);
    EXPECT_EQ(r.exit_code, 2) << c.set << r.err;
    EXPECT_NE(r.err.find(c.key), std::string::npos) << r.err;
    EXPECT_FALSE(std::filesystem::exists(dir + "/o/report.json"));
  }
}

TEST(RemalisE2E, SigkillThenResumeEqualsAnUninterruptedRun) {
  const auto dir = labkit::test::fresh_temp_dir("remalis_e2e_resume");
  const std::string cfg = kTiny + " --set train.iterations=8 --set train.checkpoint_every=1";
  const auto whole = run_command(kTool + " train --json --out " + shell_quote(dir + "/whole") + cfg);
  ASSERT_EQ(whole.exit_code, 0) << whole.err;
  const std::string out = dir + "/killed";
  const int code = labkit::test::run_and_signal_when(kTool + " train --out " + shell_quote(out) + cfg,
                                                     out + "/checkpoint/latest.json", SIGKILL);
  ASSERT_EQ(code, 128 + SIGKILL);
  EXPECT_FALSE(std::filesystem::exists(out + "/report.json"));
  const auto resumed = run_command(kTool + " train --resume --json --out " + shell_quote(out) + cfg);
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  const auto a = read_json(dir + "/whole/report.json"), b = read_json(out + "/report.json");
  EXPECT_EQ(a["curves"], b["curves"]);
  EXPECT_EQ(a["metrics"]["evaluation"], b["metrics"]["evaluation"]);
  // SIGTERM: a checkpoint and exit 1; --resume finishes with the same result.
  const std::string term = dir + "/term";
  const int tcode = labkit::test::run_and_signal_when(kTool + " train --out " + shell_quote(term) + cfg,
                                                      term + "/checkpoint/latest.json", SIGTERM);
  EXPECT_TRUE(tcode == 1 || tcode == 0) << tcode;  // 0 when the run finished before the signal landed
  if (tcode == 1) {
    const auto r = run_command(kTool + " train --resume --json --out " + shell_quote(term) + cfg);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(read_json(term + "/report.json")["curves"], a["curves"]);
  }
}

// Data-parallel rollouts: two ranks over Gloo, each with its own --out and half of every iteration's
// episodes, average their gradients and must end with byte-identical weights (and so the same evaluation).
TEST(RemalisE2E, TwoRanksKeepIdenticalReplicas) {
#ifndef LABKIT_TEST_HAVE_GLOO
  GTEST_SKIP() << "LibTorch without Gloo: no CPU process group";
#endif
  const auto dir = labkit::test::fresh_temp_dir("remalis_e2e_ranks");
  const std::string port = std::to_string(20000 + (::getpid() + 7919) % 20000);
  const std::string env = "MASTER_ADDR=127.0.0.1 MASTER_PORT=" + port + " WORLD_SIZE=2 OMP_NUM_THREADS=1";
  const std::string args = kTiny + " --set train.iterations=3";
  const auto r = run_command("(" + env + " RANK=0 " + kTool + " train --out " + shell_quote(dir + "/r0") + args + " & " + env +
                             " RANK=1 " + kTool + " train --out " + shell_quote(dir + "/r1") + args + "; s1=$?; wait $!; s0=$?; " +
                             "exit $((s0 | s1)))");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto bytes = [](const std::string& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  const auto w0 = bytes(dir + "/r0/model.pt");
  EXPECT_GT(w0.size(), 1000u);
  EXPECT_EQ(w0, bytes(dir + "/r1/model.pt"));
  const auto a = read_json(dir + "/r0/report.json"), b = read_json(dir + "/r1/report.json");
  EXPECT_EQ(a["metrics"]["distributed"]["world_size"], 2);
  EXPECT_EQ(b["metrics"]["distributed"]["rank"], 1);
  EXPECT_EQ(a["metrics"]["evaluation"], b["metrics"]["evaluation"]);
  // The ranks ran different episodes (their own halves): their training returns differ.
  EXPECT_NE(a["curves"]["episode return"], b["curves"]["episode return"]);
}

TEST(RemalisE2E, SumoFailuresAreOneLineNamingTheLog) {
  if (!have_sumo()) GTEST_SKIP() << "sumo not installed";
  const auto dir = labkit::test::fresh_temp_dir("remalis_e2e_sumo_fail");
  const std::string sumo_cfg = " --threads 1 --log-level warn --set env=sumo --set sumo.demand_seconds=60 --set sumo.max_seconds=900"
                               " --set agents.hidden=8 --set agents.critic_hidden=8 --set train.iterations=1"
                               " --set train.episodes_per_iteration=1 --set train.parallel_envs=1 --set eval.episodes=1";
  // A "sumo" that fails at once.
  const auto failing = dir + "/failing-sumo";
  std::ofstream(failing) << "#!/bin/sh\necho 'Error: this sumo always fails' >&2\nexit 1\n";
  std::filesystem::permissions(failing, std::filesystem::perms::owner_all);
  auto r = run_command(kTool + " train --out " + shell_quote(dir + "/a") + sumo_cfg + " --set sumo.sumo_binary=" + failing);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("sumo.probe.log"), std::string::npos) << r.err;
  // A sumo killed mid-episode (the probe session is left alone): the episode is lost; with no lost
  // episode allowed, training stops with one line.
  const auto killed = dir + "/killed-sumo";
  std::ofstream(killed) << "#!/bin/sh\ncase \"$*\" in *probe*) exec sumo \"$@\";; esac\n"
                           "sumo \"$@\" & pid=$!\nsleep 1.5\nkill -9 $pid\nwait $pid\nexit 137\n";
  std::filesystem::permissions(killed, std::filesystem::perms::owner_all);
  r = run_command(kTool + " train --out " + shell_quote(dir + "/b") + sumo_cfg + " --set sumo.sumo_binary=" + killed +
                  " --set train.max_lost_episodes=0 --set sumo.max_seconds=3600 --set sumo.demand_seconds=3600 --set sumo.decision_seconds=1");
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("lost"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("sumo.slot0.log"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir + "/b/report.json"));
}

TEST(RemalisE2E, SumoTrainingRunsAgainstTheSignalBaselines) {
  if (!have_sumo()) GTEST_SKIP() << "sumo not installed";
  const auto out = labkit::test::fresh_temp_dir("remalis_e2e_sumo") + "/out";
  const auto r = run_command(kTool + " train --json --out " + shell_quote(out) +
                             " --threads 1 --log-level warn --set env=sumo --set sumo.demand_seconds=120 --set sumo.max_seconds=200"
                             " --set agents.hidden=8 --set agents.critic_hidden=8 --set train.iterations=1"
                             " --set train.episodes_per_iteration=2 --set train.parallel_envs=2 --set eval.episodes=1");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto m = nlohmann::json::parse(r.out);
  EXPECT_EQ(m["traffic_lights"], 9);
  for (const char* b : {"fixed_time", "actuated"}) EXPECT_GT(m["baselines"][b]["mean_travel_time"].get<double>(), 20) << b;
  EXPECT_GT(m["evaluation"]["mean_travel_time"].get<double>(), 20);
  EXPECT_EQ(m["evaluation"]["loaded"], m["baselines"]["fixed_time"]["loaded"]);
  EXPECT_EQ(m["lost_episodes"], 0);
  // Decision errors (a green for an empty approach while another queues) are a share of the decisions.
  EXPECT_GE(m["evaluation"]["wasted_green_share"].get<double>(), 0.0);
  EXPECT_LE(m["evaluation"]["wasted_green_share"].get<double>(), 1.0);
  // Every module runs on SUMO too (desired teammate and level-k reasoning without shared nodes).
  EXPECT_EQ(m["modules"]["recursion_depth"], 1);
  EXPECT_EQ(m["modules"]["confusion"], true);
}
