#include "labkit/core/report.h"

#include <ctime>

namespace labkit {

std::string utc_now_iso8601() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

nlohmann::json make_report(const ReportHeader& header, const nlohmann::json& run_settings,
                           const nlohmann::json& config, const nlohmann::json& metrics,
                           const nlohmann::json& timings, const nlohmann::json& extra) {
  nlohmann::json versions = nlohmann::json::object();
  for (const auto& [name, version] : header.versions) versions[name] = version;
  nlohmann::json j{
      {"tool", header.tool},
      {"labkit_version", labkit_version()},
      {"git", git_hash()},
      {"build_type", build_type()},
      {"command_line", header.command_line},
      {"started_utc", header.started_utc},
      {"wall_seconds", header.wall_seconds},
      {"versions", versions},
      {"run", run_settings},
      {"config", config},
      {"metrics", metrics},
      {"timings", timings},
  };
  for (auto it = extra.begin(); it != extra.end(); ++it) j[it.key()] = *it;
  return j;
}

}  // namespace labkit
