#include "labkit/core/checkpoint_dir.h"

#include <filesystem>

#include "labkit/core/atomic_file.h"

namespace labkit {

void commit_checkpoint(const std::string& root, const std::string& name, const std::string& index) {
  namespace fs = std::filesystem;
  write_file_atomically((fs::path(root) / "latest.json").string(), index);
  for (const auto& e : fs::directory_iterator(root))
    if (e.is_directory() && e.path().filename() != name) fs::remove_all(e.path());
}

}  // namespace labkit
