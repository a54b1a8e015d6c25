#include "baselines.h"

#include <fmt/format.h>

#include <chrono>

#include "labkit/core/settings.h"
#include "seeds.h"
#include "subprocess.h"
#include "sumo_env.h"

namespace labkit::remalis_train {

nlohmann::json run_signal_baselines(const SumoSettings& s, const Scenario& sc, const std::string& dir, uint64_t seed) {
  if (find_executable(s.sumo_binary).empty())
    throw labkit::config_error("sumo.sumo_binary", fmt::format("\"{}\" is not an executable on PATH (Debian package sumo)", s.sumo_binary));
  nlohmann::json out;
  for (const auto& [name, net] : {std::pair<std::string, std::string>{"fixed_time", sc.net_static}, {"actuated", sc.net_actuated}}) {
    const auto stats = fmt::format("{}/{}.stats.xml", dir, name), log = fmt::format("{}/sumo.{}.log", dir, name);
    const auto t0 = std::chrono::steady_clock::now();
    const int code = run_to_log(sumo_arguments(s, net, sc.routes, stats, seed), log);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (code != 0) throw std::runtime_error(fmt::format("sumo ({} baseline) exited with code {}; its log: {}", name, code, log));
    auto r = read_trip_statistics(stats);
    r["seconds"] = seconds;
    r["sim_steps_per_second"] = s.max_seconds / seconds;
    out[name] = r;
  }
  return out;
}

nlohmann::json random_rollout_speed(MultiAgentEnv& env, int64_t episodes, uint64_t seed) {
  SplitMix rng(seed);
  const auto sh = env.shape();
  int64_t steps = 0;
  const auto t0 = std::chrono::steady_clock::now();
  for (int64_t e = 0; e < episodes; ++e) {
    env.reset(mix_seed(seed, static_cast<uint64_t>(e)));
    for (bool done = false; !done;) {
      const auto o = env.observe();
      std::vector<int> actions(sh.agents);
      for (int a = 0; a < sh.agents; ++a) {
        std::vector<int> allowed;
        for (int k = 0; k < sh.nodes; ++k)
          if (o.mask[a * sh.nodes + k]) allowed.push_back(k);
        actions[a] = allowed[rng.next() % allowed.size()];
      }
      done = env.step(actions).done;
      ++steps;
    }
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return {{"episodes", episodes}, {"steps", steps}, {"seconds", seconds}, {"steps_per_second", steps / seconds},
          {"agent_steps_per_second", steps * sh.agents / seconds}};
}

}  // namespace labkit::remalis_train
