#include "labkit/torchutil/archive_file.h"

#include <c10/util/Exception.h>

#include <filesystem>
#include <sstream>

#include "labkit/core/atomic_file.h"
#include "labkit/core/error.h"

namespace labkit::torchutil {

void save_archive_atomically(const std::string& path,
                             const std::function<void(torch::serialize::OutputArchive&)>& fill) {
  torch::serialize::OutputArchive archive;
  fill(archive);
  std::ostringstream bytes;
  archive.save_to(bytes);
  labkit::write_file_atomically(path, bytes.str());
}

void load_archive(const std::string& path, const std::function<void(torch::serialize::InputArchive&)>& use) {
  if (!std::filesystem::exists(path)) throw labkit::input_error(path, "missing from the checkpoint");
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(path);
    use(archive);
  } catch (const c10::Error& e) {
    const std::string what = e.what();
    throw labkit::input_error(path, "unreadable checkpoint part: " + what.substr(0, what.find('\n')));
  }
}

}  // namespace labkit::torchutil
