// Torch archives (module and optimizer state in torch's own .pt format) written atomically.
#pragma once

#include <torch/serialize/output-archive.h>

#include <functional>
#include <string>

namespace labkit::torchutil {

// Serialises to memory, then writes through labkit::write_file_atomically. torch's own file writer
// aborts the whole process when a write fails part way (full disk, file-size limit): its destructor
// throws again while the first error unwinds. In memory nothing can fail half way, and a failed write
// becomes an ordinary exception with nothing left under `path`.
void save_archive_atomically(const std::string& path,
                             const std::function<void(torch::serialize::OutputArchive&)>& fill);

}  // namespace labkit::torchutil
