// Torch archives (module and optimizer state in torch's own .pt format) written atomically.
#pragma once

#include <torch/serialize/input-archive.h>
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

// Reads an archive written by save_archive_atomically (or torch::save) and hands it to `use`; a missing,
// truncated or foreign file is an InputError naming `path` (torch's own error is one line of it, without
// its C++ backtrace).
void load_archive(const std::string& path, const std::function<void(torch::serialize::InputArchive&)>& use);

}  // namespace labkit::torchutil
