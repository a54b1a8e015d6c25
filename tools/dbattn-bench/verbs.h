// The verbs of dbattn-bench: error, ppl, speed, cost. Each returns the metrics (report.json "metrics")
// and summary_text() renders them as the stdout tables.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "model.h"
#include "settings.h"

namespace labkit::dbattn_bench {

inline const std::vector<std::string>& verbs() {
  static const std::vector<std::string> v{"error", "ppl", "speed", "cost"};
  return v;
}

struct Inputs {
  ModelInputs model;   // --checkpoint/--tokens; error: optional (adds captured rows); ppl: required
  std::string scores;  // error: optional score file (safetensors [rows, n] float32)
};

nlohmann::json run_verb(const std::string& verb, const Settings& s, const Inputs& in, uint64_t seed, int threads);
nlohmann::json cost_table(const Settings& s);
std::string summary_text(const std::string& verb, const nlohmann::json& metrics);

}  // namespace labkit::dbattn_bench
