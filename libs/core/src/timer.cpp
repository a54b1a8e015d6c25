#include "labkit/core/timer.h"

namespace labkit {

void Timings::add(const std::string& name, double seconds) {
  std::lock_guard<std::mutex> lock(mutex_);
  Entry& e = entries_[name];
  e.seconds += seconds;
  e.count += 1;
}

double Timings::seconds(const std::string& name) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = entries_.find(name);
  return it == entries_.end() ? 0.0 : it->second.seconds;
}

nlohmann::json Timings::to_json() const {
  std::lock_guard<std::mutex> lock(mutex_);
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [name, e] : entries_) j[name] = {{"seconds", e.seconds}, {"count", e.count}};
  return j;
}

}  // namespace labkit
