#include "labkit/torchutil/archive_file.h"

#include <sstream>

#include "labkit/core/atomic_file.h"

namespace labkit::torchutil {

void save_archive_atomically(const std::string& path,
                             const std::function<void(torch::serialize::OutputArchive&)>& fill) {
  torch::serialize::OutputArchive archive;
  fill(archive);
  std::ostringstream bytes;
  archive.save_to(bytes);
  labkit::write_file_atomically(path, bytes.str());
}

}  // namespace labkit::torchutil
