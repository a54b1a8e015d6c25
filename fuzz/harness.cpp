#include "harness.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <system_error>

#include "labkit/core/log.h"

namespace labkit::fuzz {
namespace {

struct WorkDir {
  std::string path;
  WorkDir() {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/labkit-fuzz-XXXXXX";
    if (!mkdtemp(pattern.data())) {
      std::perror("labkit fuzz: mkdtemp");
      std::abort();
    }
    path = pattern;
    // Readers log warnings for odd-but-accepted input; at a million inputs that is only noise.
    labkit::log::set_level(labkit::log::Level::kError);
  }
  ~WorkDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

}  // namespace

const std::string& work_dir() {
  static WorkDir dir;
  return dir.path;
}

std::string write_input(const std::uint8_t* data, std::size_t size, const std::string& name) {
  const std::string path = work_dir() + "/" + name;
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f || (size && std::fwrite(data, 1, size, f) != size) || std::fclose(f) != 0) {
    std::perror(("labkit fuzz: writing " + path).c_str());
    std::abort();
  }
  return path;
}

}  // namespace labkit::fuzz
