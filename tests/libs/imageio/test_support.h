// Shared helpers for the imageio tests: data paths, a self-removing temp folder, gunzip.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace labkit::imageio::testing {

inline std::string medical(const std::string& name) {
  return std::string(LABKIT_SHARED_DATA_DIR) + "/medical/" + name;
}

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "labkit_imageio_XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Decompresses a .gz file to dst with the system gzip (the test data ships gzipped DICOMs).
inline void gunzip(const std::string& src, const std::string& dst) {
  const std::string cmd = "gzip -dc '" + src + "' > '" + dst + "'";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
}

inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

inline void spit(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

}  // namespace labkit::imageio::testing
