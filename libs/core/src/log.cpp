#include "labkit/core/log.h"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <nlohmann/json.hpp>

#include "labkit/core/error.h"
#include "labkit/core/terminal.h"

namespace labkit::log {
namespace {

struct State {
  Level level = Level::kInfo;
  Format format = Format::kText;
  std::string tool = "labkit";
  std::mutex mutex;
};

State& state() {
  static State s;
  return s;
}

const char* level_name(Level l) {
  switch (l) {
    case Level::kDebug: return "debug";
    case Level::kInfo: return "info";
    case Level::kWarn: return "warn";
    case Level::kError: return "error";
  }
  return "info";
}

std::string timestamp() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  return fmt::format("{}.{:03d}Z", buf, static_cast<int>(ms));
}

}  // namespace

void set_level(Level l) { state().level = l; }
void set_format(Format f) { state().format = f; }
void set_tool_name(const std::string& name) { state().tool = name; }
Level level() { return state().level; }
Format format() { return state().format; }

Level parse_level(const std::string& text) {
  if (text == "debug") return Level::kDebug;
  if (text == "info") return Level::kInfo;
  if (text == "warn") return Level::kWarn;
  if (text == "error") return Level::kError;
  throw InputError("--log-level " + text + ": expected debug, info, warn or error");
}

Format parse_format(const std::string& text) {
  if (text == "text") return Format::kText;
  if (text == "json") return Format::kJson;
  throw InputError("--log-format " + text + ": expected text or json");
}

void write(Level l, const std::string& message) {
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  std::string line;
  if (s.format == Format::kJson) {
    nlohmann::json j{{"ts", timestamp()}, {"level", level_name(l)}, {"tool", s.tool}, {"msg", message}};
    line = j.dump() + "\n";
  } else {
    line = fmt::format("{} {} [{}] {}\n", timestamp().substr(11, 12), s.tool, level_name(l), message);
  }
  terminal::write_line_above_progress(line);
}

}  // namespace labkit::log
