#include "settings.h"

#include "labkit/core/settings.h"

namespace labkit::info {

nlohmann::json default_config() { return {{"list_limit", 200}}; }

Settings Settings::from_config(const labkit::Config& c) {
  Settings s;
  s.list_limit = static_cast<int>(int_in(c, "list_limit", 0, 1'000'000));
  return s;
}

}  // namespace labkit::info
