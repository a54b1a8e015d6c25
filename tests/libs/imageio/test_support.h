// Shared helpers for the imageio tests: data paths, gunzip, whole-file bytes.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "temp_dir.h"

namespace labkit::imageio::testing {

inline std::string medical(const std::string& name) {
  return std::string(LABKIT_SHARED_DATA_DIR) + "/medical/" + name;
}

using labkit::test::TempDir;  // tests/support/temp_dir.h

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
