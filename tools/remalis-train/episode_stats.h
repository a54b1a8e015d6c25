// Averages of per-episode metrics (every numeric key of MultiAgentEnv::episode_metrics), plus the
// episode return; torch-free.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>

namespace labkit::remalis_train {

class EpisodeStats {
 public:
  void add(const nlohmann::json& metrics, double episode_return);
  int64_t episodes() const { return episodes_; }
  // {"episodes": n, "return": mean, "<key>": mean, ...}; keys whose values were not numbers are skipped.
  nlohmann::json means() const;

 private:
  int64_t episodes_ = 0;
  std::map<std::string, double> sums_;
};

}  // namespace labkit::remalis_train
