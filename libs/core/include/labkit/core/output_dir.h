// The --out directory: created on demand, never silently overwritten, every file written atomically.
#pragma once

#include <string>

namespace labkit {

class OutputDir {
 public:
  enum class Policy {
    kFresh,      // refuse if the directory already holds files
    kOverwrite,  // --force: replace files that exist
    kResume,     // --resume: keep what is there, the tool continues from it
  };

  // Creates the directory if needed. Throws InputError if it holds files and the policy is kFresh,
  // or if it exists as something other than a directory.
  OutputDir(std::string path, Policy policy);

  const std::string& path() const { return path_; }
  Policy policy() const { return policy_; }
  // path()/name
  std::string file(const std::string& name) const;
  bool exists(const std::string& name) const;
  // Atomic write of a whole file under this directory.
  void write(const std::string& name, const std::string& contents) const;

 private:
  std::string path_;
  Policy policy_;
};

}  // namespace labkit
