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
  // The paper's modules beyond the channel and the GAT (README "What it does"); each can be switched off.
  bool desired_teammate;      // delta_i(sigma) in the intention, fed into the broadcast
  int64_t recursion_depth;    // level-k reasoning over teammates' policies (0: off)
  bool confusion;             // confusion memory M_t and matrix C_t biasing the feedback attention (Eqs. 10, 12)
  double confusion_lambda;    // lambda of Eq. 10
  int64_t vocabulary;         // symbols for grounding by cross-attention (0: off)
};

struct TrainSettings {
  int64_t iterations, episodes_per_iteration, parallel_envs, epochs, minibatches, checkpoint_every;
  double lr, gamma, gae_lambda, clip, entropy, value_coef, uncertainty_coef, planning_coef, grad_clip, value_norm_beta;
  double imitation_coef;  // lambda of Eq. 8 (0: off)
  double confusion_coef;  // weight of L_confusion (Eq. 11), with agents.confusion
  double teammate_coef;   // weight of the desired-teammate likelihood, with agents.desired_teammate
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

// The ablation variants (ablation.modes): the communication modes single_agent / none / broadcast /
// propagation with none of the extra modules; "feedback" (channel + GAT, extra modules off); "recursive"
// (feedback + level-k reasoning); "full" (every module as configured); and "full-no_<module>" for
// teammate / recursion / confusion / imitation / vocabulary. Throws naming `key` for an unknown name.
Settings apply_variant(const Settings& base, const std::string& name, const std::string& key);
const std::vector<std::string>& variant_names();

}  // namespace labkit::remalis_train
