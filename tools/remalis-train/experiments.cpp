#include "experiments.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "labkit/core/atomic_file.h"
#include "labkit/core/error.h"
#include "labkit/core/log.h"
#include "labkit/core/settings.h"
#include "labkit/core/termination.h"
#include "baselines.h"
#include "sumo_env.h"
#include "sumo_net.h"
#include "task_env.h"

namespace labkit::remalis_train {

namespace fs = std::filesystem;

namespace {

// One training run and its evaluation, written under `dir` (checkpoint/, model.pt, episodes.jsonl).
nlohmann::json train_and_evaluate(const Settings& s, uint64_t seed, const std::string& dir, bool resume, const std::string& label) {
  fs::create_directories(dir);
  Trainer trainer(s, environment_factory(s, dir, seed), seed, dir + "/checkpoint", resume);
  auto result = trainer.train(label);
  result["evaluation"] = trainer.evaluate(s.eval_episodes, dir + "/episodes.jsonl", s.log_episodes);
  trainer.save_weights(dir + "/model.pt");
  return result;
}

}  // namespace

void run_train(const Settings& s, labkit::Run& run) {
  auto result = train_and_evaluate(s, run.seed(), run.out().path(), run.resume(), "train");
  if (s.env == "sumo") {
    // The same scenario files the agents ran on (written under OUT/scenario by the factory).
    const auto dir = run.out().file("scenario");
    const auto sc = build_scenario(s.sumo, dir, run.seed());
    result["baselines"] = run_signal_baselines(s.sumo, sc, dir, run.seed());
    result["vehicles"] = sc.vehicles;
    result["traffic_lights"] = sc.net.traffic_lights.size();
    std::vector<std::vector<nlohmann::json>> rows;
    auto row = [&](const std::string& name, const nlohmann::json& r) {
      rows.push_back({name, r.value("mean_travel_time", 0.0), r.value("mean_waiting_time", 0.0), r.value("arrived", 0.0), r.value("teleports", 0.0)});
    };
    row("ReMALIS agents (" + s.agents.communication + ")", result["evaluation"]);
    row("SUMO fixed-time", result["baselines"]["fixed_time"]);
    row("SUMO actuated", result["baselines"]["actuated"]);
    run.summary().add_table(fmt::format("{}: trips in {} s of simulation", s.sumo.scenario, s.sumo.max_seconds),
                            {"signals", "travel time s", "waiting s", "arrived", "teleports"}, rows);
  }
  run.report_extra()["curves"] = result["curves"];
  result.erase("curves");
  auto& m = run.metrics();
  m = result;
  m["env"] = s.env;
  m["communication"] = s.agents.communication;
  if (s.env == "tasks") m["level"] = s.level;
  std::vector<std::vector<nlohmann::json>> rows;
  for (const auto& [k, v] : result["evaluation"].items()) rows.push_back({k, v});
  run.summary().add_table(fmt::format("evaluation ({} episodes, {} actions, {} communication)", s.eval_episodes, s.eval_greedy ? "greedy" : "sampled", s.agents.communication),
                          {"metric", "mean"}, rows);
}

namespace {

double mean_of(const std::vector<double>& v) {
  double t = 0;
  for (double x : v) t += x;
  return v.empty() ? 0.0 : t / static_cast<double>(v.size());
}

double std_of(const std::vector<double>& v) {
  const double m = mean_of(v);
  double t = 0;
  for (double x : v) t += (x - m) * (x - m);
  return v.size() < 2 ? 0.0 : std::sqrt(t / static_cast<double>(v.size() - 1));
}

}  // namespace

// Every level x variant x seed on the built-in environment, or every variant x seed on the configured SUMO
// scenario (env sumo). A finished run leaves result.json in its folder, so --resume skips it and continues
// the unfinished one from its checkpoint.
void run_ablation(const Settings& base, labkit::Run& run) {
  const bool sumo = base.env == "sumo";
  const std::vector<std::string> metrics =
      sumo ? std::vector<std::string>{"mean_travel_time", "mean_waiting_time", "arrived", "return"}
           : std::vector<std::string>{"success", "aligned_subtasks", "finished_subtasks", "miscoordination", "coordination_steps", "return"};
  const auto levels = sumo ? std::vector<std::string>{base.sumo.scenario} : base.ablation_levels;
  if (sumo && std::find(base.ablation_modes.begin(), base.ablation_modes.end(), "single_agent") != base.ablation_modes.end())
    throw labkit::config_error("ablation.modes", "single_agent is for the built-in environment (one light per agent on SUMO)");
  nlohmann::json table = nlohmann::json::object();
  std::vector<std::vector<nlohmann::json>> rows;
  for (const auto& level : levels)
    for (const auto& mode : base.ablation_modes) {
      std::map<std::string, std::vector<double>> values;
      for (const int64_t seed : base.ablation_seeds) {
        Settings s = apply_variant(base, mode, "ablation.modes");
        if (!sumo) s.level = level;
        const auto dir = run.out().file(fmt::format("runs/{}-{}-seed{}", level, mode, seed));
        const auto result_path = dir + "/result.json";
        nlohmann::json result;
        if (run.resume() && fs::exists(result_path)) {
          result = nlohmann::json::parse(read_file(result_path));
        } else {
          result = train_and_evaluate(s, static_cast<uint64_t>(seed), dir, run.resume(), fmt::format("{} {} seed {}", level, mode, seed));
          write_file_atomically(result_path, result.dump());
        }
        for (const auto& k : metrics) values[k].push_back(result["evaluation"].value(k, 0.0));
      }
      nlohmann::json cell;
      std::vector<nlohmann::json> row{level, mode};
      for (const auto& k : metrics) {
        cell[k] = {{"mean", mean_of(values[k])}, {"std", std_of(values[k])}, {"seeds", values[k]}};
        row.push_back(fmt::format("{:.3f} ± {:.3f}", mean_of(values[k]), std_of(values[k])));
      }
      table[level][mode] = cell;
      rows.push_back(row);
    }
  run.metrics()["ablation"] = table;
  run.metrics()["seeds"] = base.ablation_seeds;
  run.metrics()["env"] = base.env;
  std::vector<std::string> header{sumo ? "scenario" : "level", "variant"};
  for (const auto& k : metrics) header.push_back(k);
  run.summary().add_table(fmt::format("{}, evaluation ({} actions), mean ± std over {} seeds", sumo ? "SUMO" : "built-in task allocation",
                                      base.eval_greedy ? "greedy" : "sampled", base.ablation_seeds.size()),
                          header, rows);
}

void run_bench(const Settings& s, labkit::Run& run) {
  auto& m = run.metrics();
  std::vector<std::vector<nlohmann::json>> rows;
  for (const auto& level : s.ablation_levels) {
    TaskAllocationEnv env(task_level(level, false, "ablation.levels"));
    m["tasks"][level] = random_rollout_speed(env, 2000, run.seed());
    rows.push_back({"tasks " + level, m["tasks"][level]["steps_per_second"], m["tasks"][level]["agent_steps_per_second"]});
  }
  if (s.env == "sumo") {
    const auto dir = run.out().file("scenario");
    const auto sc = build_scenario(s.sumo, dir, run.seed());
    SumoEnv env(s.sumo, sc, run.out().file("sumo"), 0);
    auto r = random_rollout_speed(env, 1, run.seed());
    r["sim_seconds_per_second"] = static_cast<double>(env.simulated_seconds()) / r["seconds"].get<double>();
    m["sumo"] = r;
    m["sumo_alone"] = run_signal_baselines(s.sumo, sc, dir, run.seed());
    rows.push_back({"sumo " + s.sumo.scenario + " (decisions of " + fmt::format("{}", s.sumo.decision_seconds) + " s)",
                    r["steps_per_second"], r["agent_steps_per_second"]});
    rows.push_back({"  simulated s per s over TraCI", r["sim_seconds_per_second"], ""});
    rows.push_back({"  simulated s per s, sumo alone (fixed-time)", m["sumo_alone"]["fixed_time"]["sim_steps_per_second"], ""});
  }
  run.summary().add_table("environment steps per second, random allowed actions", {"environment", "steps/s", "agent-steps/s"}, rows);
}

EnvFactory environment_factory(const Settings& s, const std::string& work_dir, uint64_t seed) {
  if (s.env == "tasks") {
    const auto level = task_level(s.level, s.agents.communication == "single_agent", "tasks.level");
    return [level] { return std::make_unique<TaskAllocationEnv>(level); };
  }
  if (s.agents.communication == "single_agent")
    throw labkit::config_error("agents.communication", "single_agent is for the built-in environment (one light per agent on SUMO)");
  // One scenario (networks and demand) per run; every parallel environment runs its own sumo on it.
  const auto scenario = std::make_shared<Scenario>(build_scenario(s.sumo, work_dir + "/scenario", seed));
  auto slot = std::make_shared<int>(0);
  const auto sumo = s.sumo;
  return [scenario, slot, sumo, work_dir] { return std::make_unique<SumoEnv>(sumo, *scenario, work_dir + "/sumo", (*slot)++); };
}

}  // namespace labkit::remalis_train
