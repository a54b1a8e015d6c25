// Logging to stderr: levels, plain text or JSON lines (one object per line, for log collectors).
#pragma once

#include <fmt/format.h>

#include <string>

namespace labkit::log {

enum class Level { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };
enum class Format { kText, kJson };

void set_level(Level level);
void set_format(Format format);
void set_tool_name(const std::string& name);
Level level();
Format format();

// Parses "debug|info|warn|error" and "text|json"; throws InputError otherwise.
Level parse_level(const std::string& text);
Format parse_format(const std::string& text);

void write(Level level, const std::string& message);

template <typename... Args>
void debug(fmt::format_string<Args...> f, Args&&... args) {
  if (level() <= Level::kDebug) write(Level::kDebug, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void info(fmt::format_string<Args...> f, Args&&... args) {
  if (level() <= Level::kInfo) write(Level::kInfo, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void warn(fmt::format_string<Args...> f, Args&&... args) {
  if (level() <= Level::kWarn) write(Level::kWarn, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void error(fmt::format_string<Args...> f, Args&&... args) {
  write(Level::kError, fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace labkit::log
