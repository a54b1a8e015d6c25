#include "labkit/core/terminal.h"

#include <unistd.h>

#include <cstdio>
#include <mutex>

namespace labkit::terminal {
namespace {
std::mutex g_mutex;
std::string g_status;  // guarded by g_mutex

void clear_status_locked() {
  if (!g_status.empty()) std::fputs("\r\033[2K", stderr);
}
}  // namespace

bool stderr_is_tty() {
  static const bool tty = ::isatty(STDERR_FILENO) == 1;
  return tty;
}

void write_line_above_progress(const std::string& line) {
  std::lock_guard<std::mutex> lock(g_mutex);
  clear_status_locked();
  std::fputs(line.c_str(), stderr);
  if (!g_status.empty()) std::fputs(g_status.c_str(), stderr);
  std::fflush(stderr);
}

void set_status_line(const std::string& status) {
  std::lock_guard<std::mutex> lock(g_mutex);
  clear_status_locked();
  g_status = status;
  if (!g_status.empty()) std::fputs(g_status.c_str(), stderr);
  std::fflush(stderr);
}

}  // namespace labkit::terminal
