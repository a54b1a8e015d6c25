// labkit-info's settings: default_config() is the one place the default is written (and the schema
// --config/--set check against); Settings::from_config() reads and checks it.
#pragma once

#include <nlohmann/json.hpp>

#include "labkit/core/config.h"

namespace labkit::info {

nlohmann::json default_config();

struct Settings {
  int list_limit;  // most tensors / HDF5 objects listed per file (counts stay complete)

  static Settings from_config(const labkit::Config& c);
};

}  // namespace labkit::info
