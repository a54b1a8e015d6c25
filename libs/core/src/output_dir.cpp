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
    if (!empty && policy_ == Policy::kFresh)
      throw input_error(path_, "output directory already holds results; pass --force to overwrite "
                               "or --resume to continue");
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
