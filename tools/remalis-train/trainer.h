// MAPPO-style training of the ReMALIS agents (README "Training"): each iteration runs whole episodes
// (seeded by run seed, iteration and episode), computes GAE on the team reward with a centralised critic
// on normalised values, and makes PPO updates with the clipped objective, an entropy bonus, the grounding
// uncertainty loss and the planning likelihood loss. Episodes never cross iterations and every random draw
// derives from (seed, iteration), so a checkpoint (weights, optimiser, value normaliser, curves) resumes
// exactly. SIGTERM writes a checkpoint and fails; --resume continues.
#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "env.h"
#include "settings.h"

namespace labkit::remalis_train {

using EnvFactory = std::function<std::unique_ptr<MultiAgentEnv>()>;

class Trainer {
 public:
  // `checkpoint_dir` holds latest.json and iter-* folders; with `resume` training continues from it.
  Trainer(const Settings& s, EnvFactory make_env, uint64_t seed, std::string checkpoint_dir, bool resume);
  ~Trainer();

  // Trains to train.iterations; returns {"curves": {...}, "samples_per_second", "env_steps_per_second",
  // "lost_episodes", "parameters"}. `label` names the progress line.
  nlohmann::json train(const std::string& label);
  // Sampled (or with eval.greedy, argmax) actions on `episodes` evaluation episodes (seeds disjoint from training); averages of the
  // episode metrics. With `log_path`, the first `log_episodes` are written there as JSON lines.
  nlohmann::json evaluate(int64_t episodes, const std::string& log_path, int64_t log_episodes);
  void save_weights(const std::string& path) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace labkit::remalis_train
