// Readers of OpenFOAM's ASCII field files (writeFormat ascii, no compression), enough for what
// simpleFoam and writeCellCentres write: internalField and a patch's value, uniform or nonuniform,
// scalar or vector. Errors are InputError("<file>: ...").
#pragma once

#include <string>
#include <vector>

namespace labkit::aneumo_build {

// Flattened values (vectors as x, y, z); `count` is the expected number of entries for uniform fields.
std::vector<double> foam_internal_field(const std::string& path, int components, size_t count);
std::vector<double> foam_patch_field(const std::string& path, const std::string& patch, int components);
// The text with // and /* */ comments removed.
std::string foam_strip_comments(const std::string& text);
// A file's text, comments removed (InputError naming the file when it cannot be read).
std::string foam_read_without_comments(const std::string& path);

}  // namespace labkit::aneumo_build
