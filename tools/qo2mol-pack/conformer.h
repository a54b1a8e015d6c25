// One conformer as every reader hands it over: values in the *source* units until units.cpp converts them.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace labkit::qo2mol_pack {

struct Conformer {
  std::string molecule_key;        // InChIKey from the input, or empty (molecule_key.cpp computes one)
  std::string conformer_id;        // id from the input, or "<file stem>:<record>"
  std::string record;              // "record 17" / "line 230": where the reader found it, for messages
  std::vector<std::int32_t> z;     // atomic numbers, N
  std::vector<double> positions;   // N*3
  std::vector<double> forces;      // N*3, or empty when the input has none
  std::vector<std::int32_t> formal_charges;  // N, or empty
  std::vector<std::pair<int, int>> bonds;    // 0-based atom pairs when the input lists bonds, else empty
  double energy = 0.0;             // total energy (NaN is rejected later, not here)
  double net_charge = 0.0;
  std::size_t natoms() const { return z.size(); }
};

// Units a source states (or that a flag states); empty means "not stated".
struct SourceUnits {
  std::string energy;  // "eV", "Ha", "kcal/mol", "kJ/mol"
  std::string length;  // "Ang", "Bohr"
  std::string force;   // "eV/Ang", "Ha/Bohr", "kcal/mol/Ang", ...; empty -> energy unit / length unit
  bool force_is_gradient = false;  // SPICE stores dE/dx = -F
};

}  // namespace labkit::qo2mol_pack
