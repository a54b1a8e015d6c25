// The verify verb: checksums, counts, offsets, NaN/inf, the element set, the molecule table and split
// disjointness of a merged dataset. Returns a report; throws InputError listing the problems if any.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace labkit::qo2mol {

nlohmann::json verify_dataset(const std::string& dataset, const std::vector<int>& elements);

}  // namespace labkit::qo2mol
