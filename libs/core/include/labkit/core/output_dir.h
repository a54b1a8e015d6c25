// The --out directory: created on demand, locked for the run, never silently overwritten, every file
// written atomically.
//
// What an existing directory means: report.json is written last, only by a finished run, so a directory
// with report.json holds results (refused unless --force); one with config.json (or the lock file) but
// no report.json holds what a failed or killed run left: a fresh run clears it and proceeds, --resume
// keeps it. Files that no labkit run wrote are never cleared.
#pragma once

#include <string>
#include <vector>

namespace labkit {

struct OutputDirOptions {
  bool tool_has_resume = false;     // only then do messages mention --resume
  std::vector<std::string> inputs;  // paths the run reads: an unfinished run is not cleared if one lies inside
};

class OutputDir {
 public:
  enum class Policy {
    kFresh,      // refuse results (report.json); clear what an unfinished run left
    kOverwrite,  // --force: remove report.json first, then replace files as they are written
    kResume,     // --resume: keep what is there, the tool continues from it
  };

  static constexpr const char* kLockFile = ".labkit.lock";

  // Creates the directory if needed and takes its lock (flock on OUT/.labkit.lock, held until this object
  // is destroyed). Throws InputError if another process holds the lock, if the directory holds results
  // and the policy is kFresh, or if it exists as something other than a directory.
  OutputDir(std::string path, Policy policy, const OutputDirOptions& options = {});
  ~OutputDir();
  OutputDir(const OutputDir&) = delete;
  OutputDir& operator=(const OutputDir&) = delete;

  const std::string& path() const { return path_; }
  Policy policy() const { return policy_; }
  // path()/name
  std::string file(const std::string& name) const;
  bool exists(const std::string& name) const;
  // Atomic write of a whole file under this directory.
  void write(const std::string& name, const std::string& contents) const;

 private:
  void lock();
  void prepare(const OutputDirOptions& options, bool had_lock_file);

  std::string path_;
  Policy policy_;
  int lock_fd_ = -1;
};

}  // namespace labkit
