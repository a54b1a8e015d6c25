// The non-learning baselines on a SUMO scenario: SUMO's own fixed-time (static) and actuated programs,
// sumo run without TraCI on the same routes and horizon as the agents; and environment throughput with
// random actions for the bench. Torch-free.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "env.h"
#include "settings.h"
#include "sumo_net.h"

namespace labkit::remalis_train {

// {"fixed_time": {trip statistics, "seconds", "sim_steps_per_second"}, "actuated": {...}}.
nlohmann::json run_signal_baselines(const SumoSettings& s, const Scenario& scenario, const std::string& dir, uint64_t seed);

// Steps `env` with uniformly random allowed actions for `episodes` episodes: {"steps", "seconds",
// "steps_per_second", "agent_steps_per_second"}.
nlohmann::json random_rollout_speed(MultiAgentEnv& env, int64_t episodes, uint64_t seed);

}  // namespace labkit::remalis_train
