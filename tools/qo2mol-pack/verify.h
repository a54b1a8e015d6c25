// The verify verb: checksums, counts, offsets, NaN/inf, the element set, the molecule table and split
// disjointness of a merged dataset. Returns {"ok", "problems" (at most max_problems), "problems_left_out",
// "checks", ...}; throws InputError only when the index itself cannot be read.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace labkit::qo2mol_pack {

nlohmann::json verify_dataset(const std::string& dataset, const std::vector<int>& elements, std::int64_t max_problems);

}  // namespace labkit::qo2mol_pack
