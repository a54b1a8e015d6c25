#include "episode_stats.h"

namespace labkit::remalis_train {

void EpisodeStats::add(const nlohmann::json& metrics, double episode_return) {
  ++episodes_;
  sums_["return"] += episode_return;
  for (const auto& [k, v] : metrics.items())
    if (v.is_number()) sums_[k] += v.get<double>();
}

nlohmann::json EpisodeStats::means() const {
  nlohmann::json out{{"episodes", episodes_}};
  for (const auto& [k, v] : sums_) out[k] = episodes_ ? v / static_cast<double>(episodes_) : 0.0;
  return out;
}

}  // namespace labkit::remalis_train
