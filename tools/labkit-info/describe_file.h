// A JSON description of one input file: image geometry, HDF5 tree or safetensors tensors.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace labkit::info {

// {"path", "kind", ...kind-specific fields}. Bad or unrecognised input raises InputError naming the path.
// `limit` caps how many tensors/datasets are listed (the counts are always complete).
nlohmann::json describe_file(const std::string& path, int limit);

}  // namespace labkit::info
