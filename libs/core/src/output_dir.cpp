#include "labkit/core/output_dir.h"

#include <filesystem>

#include "labkit/core/atomic_file.h"
#include "labkit/core/error.h"

namespace labkit {

namespace fs = std::filesystem;

OutputDir::OutputDir(std::string path, Policy policy) : path_(std::move(path)), policy_(policy) {
  std::error_code ec;
  if (fs::exists(path_, ec)) {
    if (!fs::is_directory(path_, ec)) throw input_error(path_, "--out exists and is not a directory");
    const bool empty = fs::is_empty(path_, ec);
    if (!empty && policy_ == Policy::kFresh) {
      // report.json is written last, only by a finished run: its absence means an unfinished one.
      if (fs::exists(fs::path(path_) / "report.json", ec))
        throw input_error(path_, "output directory already holds results; pass --force to overwrite them");
      throw input_error(path_, "output directory holds files of an unfinished run (no report.json); pass "
                               "--resume to continue it (tools with checkpoints) or --force to start over");
    }
  } else {
    fs::create_directories(path_, ec);
    if (ec) throw input_error(path_, "cannot create output directory: " + ec.message());
  }
}

std::string OutputDir::file(const std::string& name) const { return (fs::path(path_) / name).string(); }

bool OutputDir::exists(const std::string& name) const {
  std::error_code ec;
  return fs::exists(file(name), ec);
}

void OutputDir::write(const std::string& name, const std::string& contents) const {
  write_file_atomically(file(name), contents);
}

}  // namespace labkit
