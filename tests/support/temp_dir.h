// Test helper: temporary folders, the one place tests make them (ctest runs test cases as separate
// processes, several at once, so every folder is unique to its process).
#pragma once

#include <filesystem>
#include <string>

namespace labkit::test {

// A fresh, empty folder $TMPDIR/labkit-test-<pid>/<name> (TMPDIR defaults to /tmp); whatever was there
// is removed first. It stays after the test (to look at when one fails).
std::string fresh_temp_dir(const std::string& name);

// A new, empty folder (mkdtemp) removed with everything in it when the object goes out of scope.
class TempDir {
 public:
  explicit TempDir(const std::string& tag = "tmp");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // The path of `name` inside the folder.
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace labkit::test
