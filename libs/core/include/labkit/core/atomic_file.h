// Write-then-rename: a reader never sees a half-written file, and a failed write leaves nothing behind.
#pragma once

#include <functional>
#include <string>

namespace labkit {

// Calls write(tmp_path) with a temporary name in the same directory, then renames it onto `path`.
// If write throws, the temporary file is removed and the exception propagates.
void write_atomically(const std::string& path, const std::function<void(const std::string& tmp_path)>& write);
// Same, for text or bytes already in memory.
void write_file_atomically(const std::string& path, const std::string& contents);

// Reads a whole file; throws InputError naming the file if it cannot be read.
std::string read_file(const std::string& path);

}  // namespace labkit
