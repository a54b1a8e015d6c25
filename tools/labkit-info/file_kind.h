// Telling what a file is from its first bytes (and, for images, from ITK's readers).
#pragma once

#include <string>

namespace labkit::info {

enum class FileKind { kHdf5, kSafetensors, kImage, kDicomSeries, kUnknown };

// Missing paths raise InputError; anything unrecognised is kUnknown.
FileKind detect_file_kind(const std::string& path);
const char* file_kind_name(FileKind kind);

}  // namespace labkit::info
