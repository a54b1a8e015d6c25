#include "temp_dir.h"

#include <stdlib.h>
#include <unistd.h>

#include <cstdlib>
#include <stdexcept>

namespace labkit::test {
namespace fs = std::filesystem;

namespace {
fs::path temp_root() {
  const char* base = std::getenv("TMPDIR");
  return fs::path(base && *base ? base : "/tmp");
}
}  // namespace

std::string fresh_temp_dir(const std::string& name) {
  const fs::path dir = temp_root() / ("labkit-test-" + std::to_string(::getpid())) / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir.string();
}

TempDir::TempDir(const std::string& tag) {
  std::string pattern = (temp_root() / ("labkit-" + tag + "-XXXXXX")).string();
  if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed for " + pattern);
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;  // a destructor must not throw; a folder left behind is harmless
  fs::remove_all(path_, ec);
}

}  // namespace labkit::test
