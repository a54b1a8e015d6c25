// H5File: create (write-then-rename) and open, with HDF5 failures turned into labkit errors.
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include "h5_internal.h"
#include "labkit/core/error.h"

namespace labkit::tensorio {

using h5_internal::what;

H5File H5File::create(const std::string& path) {
  h5_internal::quiet_hdf5();
  namespace fs = std::filesystem;
  const fs::path target(path);
  // Hidden temporary beside the target: the rename stays on one filesystem and is atomic.
  const fs::path tmp =
      target.parent_path() / ("." + target.filename().string() + ".tmp." + std::to_string(::getpid()));
  H5File f;
  f.path_ = path;
  try {
    f.file_ = std::make_unique<H5::H5File>(tmp.string(), H5F_ACC_TRUNC);
  } catch (const H5::Exception& e) {
    throw std::runtime_error(path + ": cannot create HDF5 file (" + what(e) + ")");
  }
  f.tmp_path_ = tmp.string();
  return f;
}

namespace {

std::unique_ptr<H5::H5File> open_existing(const std::string& path, unsigned flags) {
  h5_internal::quiet_hdf5();
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    throw input_error(path, "not a readable HDF5 file (no such file)");
  try {
    if (!H5::H5File::isHdf5(path)) throw input_error(path, "not a readable HDF5 file (no HDF5 signature)");
    return std::make_unique<H5::H5File>(path, flags);
  } catch (const H5::Exception& e) {
    throw input_error(path, "not a readable HDF5 file (" + what(e) + ")");
  }
}

}  // namespace

H5File H5File::open_read(const std::string& path) {
  H5File f;
  f.path_ = path;
  f.file_ = open_existing(path, H5F_ACC_RDONLY);
  return f;
}

H5File H5File::open_rw(const std::string& path) {
  H5File f;
  f.path_ = path;
  f.file_ = open_existing(path, H5F_ACC_RDWR);
  return f;
}

H5File::H5File(H5File&& other) noexcept
    : path_(std::move(other.path_)), tmp_path_(std::move(other.tmp_path_)), file_(std::move(other.file_)) {
  other.tmp_path_.clear();
}

H5File& H5File::operator=(H5File&& other) noexcept {
  if (this != &other) {
    discard();
    path_ = std::move(other.path_);
    tmp_path_ = std::move(other.tmp_path_);
    file_ = std::move(other.file_);
    other.tmp_path_.clear();
  }
  return *this;
}

H5File::~H5File() { discard(); }

void H5File::discard() noexcept {
  try {
    if (file_) file_->close();
  } catch (...) {
  }
  file_.reset();
  if (!tmp_path_.empty()) {
    std::error_code ec;
    std::filesystem::remove(tmp_path_, ec);
    tmp_path_.clear();
  }
}

namespace {
std::atomic<bool> g_any_abandoned{false};
}  // namespace

void H5File::abandon() noexcept {
  if (file_) g_any_abandoned = true;
  (void)file_.release();  // deliberately leaked: closing it is what crashes
  discard();
}

bool H5File::any_abandoned() noexcept { return g_any_abandoned; }

void H5File::commit() {
  if (!file_) throw std::logic_error(path_ + ": H5File::commit() on a closed file");
  try {
    file_->close();  // flushes everything before the rename makes the file visible
  } catch (const H5::Exception& e) {
    abandon();  // a close that failed (disk full) must not be retried: HDF5 1.10 crashes in it
    throw std::runtime_error(path_ + ": cannot close HDF5 file (" + what(e) + ")");
  }
  file_.reset();
  if (tmp_path_.empty()) return;
  if (std::rename(tmp_path_.c_str(), path_.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    discard();
    throw std::runtime_error(path_ + ": cannot rename temporary file into place: " + why);
  }
  tmp_path_.clear();
}

H5::H5File& H5File::handle() {
  if (!file_) throw std::logic_error(path_ + ": HDF5 file is closed (used after commit()?)");
  return *file_;
}

}  // namespace labkit::tensorio
