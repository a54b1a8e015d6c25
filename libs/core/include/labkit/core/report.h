// report.json: the machine-readable record of a run (what ran, with which settings, what it measured).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "labkit/core/version.h"

namespace labkit {

struct ReportHeader {
  std::string tool;
  std::vector<std::string> command_line;
  std::string started_utc;
  double wall_seconds = 0;
  VersionList versions;
};

// Layout: {"tool", "labkit_version", "git", "build_type", "command_line", "started_utc", "wall_seconds",
//          "versions": {...}, "run": {...}, "config": {...}, "metrics": {...}, "timings": {...}, ...extra}
nlohmann::json make_report(const ReportHeader& header, const nlohmann::json& run_settings,
                           const nlohmann::json& config, const nlohmann::json& metrics,
                           const nlohmann::json& timings, const nlohmann::json& extra);

std::string utc_now_iso8601();

}  // namespace labkit
