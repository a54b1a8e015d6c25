// The inspect verb: what a packed dataset holds (layout, counts, units, splits, reference energies,
// the first few conformers), as text for people or JSON for scripts.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace labkit::qo2mol_pack {

nlohmann::json inspect_dataset(const std::string& dataset, int show_conformers);
std::string inspect_text(const nlohmann::json& info);

}  // namespace labkit::qo2mol_pack
