// Telling what a file is from its first bytes (and, for images, from ITK's readers).
#pragma once

#include <string>

namespace labkit::info {

// kLabkitRun: a folder a labkit tool wrote with --out (report.json or config.json in it).
enum class FileKind { kHdf5, kSafetensors, kImage, kDicomSeries, kLabkitRun, kUnknown };

// Missing paths raise InputError; anything unrecognised is kUnknown.
FileKind detect_file_kind(const std::string& path);

}  // namespace labkit::info
