#include "settings.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "labkit/core/error.h"

namespace labkit::seganypet_infer {

nlohmann::json default_config() {
  return {{"spacing_mm", 1.5}, {"eval_clicks", {1, 3, 5, 10}}, {"nsd_tolerance_mm", 1.0}, {"max_crops", 8}, {"suv", false},
          {"overlay", true}};
}

Settings Settings::from_config(const labkit::Config& c) {
  auto bad = [](const std::string& key, const std::string& why) { return labkit::InputError("config " + key + ": " + why); };
  Settings s;
  s.spacing_mm = c.get<double>("spacing_mm");
  if (!(std::isfinite(s.spacing_mm) && s.spacing_mm >= 0.1 && s.spacing_mm <= 20))
    throw bad("spacing_mm", fmt::format("must be in [0.1, 20] mm, got {}", c.at("spacing_mm").dump()));
  const auto& clicks = c.at("eval_clicks");
  if (!clicks.is_array() || clicks.empty()) throw bad("eval_clicks", "must be a non-empty list of click counts");
  for (const auto& k : clicks) {
    if (!k.is_number_integer() || k.get<int64_t>() < 1 || k.get<int64_t>() > 100)
      throw bad("eval_clicks", "entries must be integers in 1..100, got " + k.dump());
    s.eval_clicks.push_back(k.get<int>());
  }
  std::sort(s.eval_clicks.begin(), s.eval_clicks.end());
  s.eval_clicks.erase(std::unique(s.eval_clicks.begin(), s.eval_clicks.end()), s.eval_clicks.end());
  s.nsd_tolerance_mm = c.get<double>("nsd_tolerance_mm");
  if (!(std::isfinite(s.nsd_tolerance_mm) && s.nsd_tolerance_mm >= 0 && s.nsd_tolerance_mm <= 1000))
    throw bad("nsd_tolerance_mm", fmt::format("must be in [0, 1000] mm, got {}", c.at("nsd_tolerance_mm").dump()));
  const auto& mc = c.at("max_crops");
  if (!mc.is_number_integer() || mc.get<int64_t>() < 1 || mc.get<int64_t>() > 1000)
    throw bad("max_crops", "must be an integer in 1..1000, got " + mc.dump());
  s.max_crops = mc.get<int>();
  s.suv = c.get<bool>("suv");
  s.overlay = c.get<bool>("overlay");
  return s;
}

Settings Settings::defaults() { return from_config(labkit::Config(default_config())); }

}  // namespace labkit::seganypet_infer
