// remalis-train settings from the resolved config (default_config() is the one place the defaults are
// written, and the schema --set is checked against); every key read once and checked, errors name it.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "labkit/core/config.h"

namespace labkit::remalis_train {

struct AgentSettings {
  std::string communication;  // single_agent | none | broadcast | propagation | full
  int64_t hidden, heads, planning_layers, critic_hidden;
};

struct TrainSettings {
  int64_t iterations, episodes_per_iteration, parallel_envs, epochs, minibatches, checkpoint_every;
  double lr, gamma, gae_lambda, clip, entropy, value_coef, uncertainty_coef, planning_coef, grad_clip, value_norm_beta;
  int64_t max_lost_episodes;  // SUMO episodes lost in a row before training stops
};

struct SumoSettings {
  std::string scenario;     // grid3 | grid5 | grid8 | irregular | grid (sumo.grid gives the size)
  int64_t rows, columns;    // the grid (0 for irregular)
  double demand_seconds, max_seconds, decision_seconds, time_to_teleport;
  std::string sumo_binary, netgenerate_binary;
  std::string reward;       // queue | waiting
};

struct Settings {
  std::string env;          // tasks | sumo
  std::string level;        // tasks: easy | medium | hard
  AgentSettings agents;
  TrainSettings train;
  SumoSettings sumo;
  int64_t eval_episodes, log_episodes;
  bool eval_greedy;  // argmax actions; otherwise sampled (seeded), the default: identical greedy agents collide
  std::vector<std::string> ablation_modes, ablation_levels;
  std::vector<int64_t> ablation_seeds;

  static Settings from_config(const labkit::Config& c);
};

nlohmann::json default_config();

}  // namespace labkit::remalis_train
