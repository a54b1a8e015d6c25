#include "temporaries.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include "labkit/core/log.h"

namespace labkit::qo2mol_pack {

namespace {

// PID of a `.NAME.tmp.PID` / `.NAME.fingerprints.PID` file name, or -1 for any other name.
long temporary_pid(const std::string& name) {
  if (name.empty() || name[0] != '.') return -1;
  const auto dot = name.rfind('.');
  if (dot == std::string::npos || dot + 1 >= name.size()) return -1;
  const std::string digits = name.substr(dot + 1);
  if (digits.size() > 10 || digits.find_first_not_of("0123456789") != std::string::npos) return -1;
  const std::string stem = name.substr(0, dot);
  const bool tmp = stem.size() > 4 && stem.compare(stem.size() - 4, 4, ".tmp") == 0;
  const bool fp = stem.size() > 13 && stem.compare(stem.size() - 13, 13, ".fingerprints") == 0;
  return tmp || fp ? std::stol(digits) : -1;
}

bool running(long pid) { return pid == ::getpid() || ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM; }

}  // namespace

std::vector<std::string> remove_stale_temporaries(const std::string& dir) {
  namespace fs = std::filesystem;
  std::vector<std::string> removed;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return removed;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    const long pid = temporary_pid(name);
    if (pid <= 0 || running(pid)) continue;
    const auto bytes = fs::file_size(e.path(), ec);
    if (fs::remove(e.path(), ec)) {
      log::info("removed {} ({} bytes) left by process {}, which is not running", e.path().string(),
                ec ? 0 : bytes, pid);
      removed.push_back(name);
    }
  }
  return removed;
}

}  // namespace labkit::qo2mol_pack
