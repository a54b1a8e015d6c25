#include "labkit/core/output_dir.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "labkit/core/atomic_file.h"
#include "labkit/core/error.h"
#include "labkit/core/log.h"

namespace labkit {

namespace fs = std::filesystem;

namespace {

// Entries of `dir` other than the lock file.
std::vector<fs::path> run_entries(const fs::path& dir) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename() != OutputDir::kLockFile) out.push_back(e.path());
  return out;
}

// Whether `inner` is `outer` or lies below it (both made absolute, symlinks resolved where they exist).
bool is_within(const fs::path& inner, const fs::path& outer) {
  std::error_code ec;
  const fs::path a = fs::weakly_canonical(inner, ec), b = fs::weakly_canonical(outer, ec);
  auto ai = a.begin();
  for (auto bi = b.begin(); bi != b.end(); ++bi, ++ai) {
    if (bi->empty()) continue;  // trailing separator
    if (ai == a.end() || *ai != *bi) return false;
  }
  return true;
}

}  // namespace

OutputDir::OutputDir(std::string path, Policy policy, const OutputDirOptions& options)
    : path_(std::move(path)), policy_(policy) {
  std::error_code ec;
  if (fs::exists(path_, ec)) {
    if (!fs::is_directory(path_, ec)) throw input_error(path_, "--out exists and is not a directory");
  } else {
    fs::create_directories(path_, ec);
    if (ec) throw input_error(path_, "cannot create output directory: " + ec.message());
  }
  const bool had_lock_file = fs::exists(fs::path(path_) / kLockFile, ec);
  lock();
  try {
    prepare(options, had_lock_file);
  } catch (...) {
    ::close(lock_fd_);
    lock_fd_ = -1;
    throw;
  }
}

OutputDir::~OutputDir() {
  if (lock_fd_ >= 0) ::close(lock_fd_);  // releases the flock
}

void OutputDir::lock() {
  const std::string lock_path = file(kLockFile);
  lock_fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock_fd_ < 0) throw input_error(path_, std::string("cannot create the lock file: ") + std::strerror(errno));
  if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    char buf[32] = {};
    const ssize_t n = ::pread(lock_fd_, buf, sizeof buf - 1, 0);
    ::close(lock_fd_);
    lock_fd_ = -1;
    if (err == EWOULDBLOCK) {
      std::string pid = n > 0 ? std::string(buf, static_cast<size_t>(n)) : "unknown";
      while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
      throw input_error(path_, "another run holds this output directory (pid " + pid + ")");
    }
    throw input_error(path_, std::string("cannot lock the output directory: ") + std::strerror(err));
  }
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(lock_fd_, 0) != 0 || ::pwrite(lock_fd_, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size()))
    log::warn("{}: cannot record the pid in {}: {}", path_, kLockFile, std::strerror(errno));
}

void OutputDir::prepare(const OutputDirOptions& options, bool had_lock_file) {
  const fs::path dir(path_);
  std::error_code ec;
  if (policy_ == Policy::kResume) return;
  if (policy_ == Policy::kOverwrite) {
    // Before anything else is written: a --force run that fails must not leave the old results' report
    // beside its own config.json.
    if (fs::exists(dir / "report.json", ec) && !fs::remove(dir / "report.json", ec))
      throw std::runtime_error(file("report.json") + ": cannot remove the previous report: " + ec.message());
    return;
  }
  const auto entries = run_entries(dir);
  if (entries.empty()) return;
  if (fs::exists(dir / "report.json", ec))
    throw input_error(path_, "output directory already holds results (report.json); pass --force to overwrite them");
  const bool labkit_run = had_lock_file || fs::exists(dir / "config.json", ec);
  if (!labkit_run)
    throw input_error(path_, "output directory holds files that no labkit run wrote; choose a new or empty "
                             "directory, or pass --force to write beside them");
  for (const auto& input : options.inputs)
    if (!input.empty() && fs::exists(input, ec) && is_within(input, dir))
      throw input_error(path_, "output directory holds files of an unfinished run and the input " + input +
                                   "; choose another --out");
  // No report.json: a failed or killed run. Its files are not results; start over.
  log::warn("{}: removing {} entr{} left by an unfinished run (no report.json){}", path_, entries.size(),
            entries.size() == 1 ? "y" : "ies", options.tool_has_resume ? "; --resume keeps them and continues" : "");
  for (const auto& e : entries) {
    fs::remove_all(e, ec);
    if (ec) throw std::runtime_error(e.string() + ": cannot remove a file of the unfinished run: " + ec.message());
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
