#include "elements.h"

#include <cctype>
#include <vector>

#include "labkit/core/error.h"

namespace labkit::qo2mol_pack {
namespace {

const std::vector<std::string>& symbols() {
  static const std::vector<std::string> s = {
      "",   "H",  "He", "Li", "Be", "B",  "C",  "N",  "O",  "F",  "Ne", "Na", "Mg", "Al", "Si", "P",  "S",  "Cl",
      "Ar", "K",  "Ca", "Sc", "Ti", "V",  "Cr", "Mn", "Fe", "Co", "Ni", "Cu", "Zn", "Ga", "Ge", "As", "Se", "Br",
      "Kr", "Rb", "Sr", "Y",  "Zr", "Nb", "Mo", "Tc", "Ru", "Rh", "Pd", "Ag", "Cd", "In", "Sn", "Sb", "Te", "I",
      "Xe", "Cs", "Ba", "La", "Ce", "Pr", "Nd", "Pm", "Sm", "Eu", "Gd", "Tb", "Dy", "Ho", "Er", "Tm", "Yb", "Lu",
      "Hf", "Ta", "W",  "Re", "Os", "Ir", "Pt", "Au", "Hg", "Tl", "Pb", "Bi", "Po", "At", "Rn"};
  return s;
}

// Cordero et al., Dalton Trans. 2008, 2832 (sp3 carbon), Z = 1..54.
const double kRadius[] = {0,    0.31, 0.28, 1.28, 0.96, 0.84, 0.76, 0.71, 0.66, 0.57, 0.58, 1.66, 1.41, 1.21,
                          1.11, 1.07, 1.05, 1.02, 1.06, 2.03, 1.76, 1.70, 1.60, 1.53, 1.39, 1.39, 1.32, 1.26,
                          1.24, 1.32, 1.22, 1.22, 1.20, 1.19, 1.20, 1.20, 1.16, 2.20, 1.95, 1.90, 1.75, 1.64,
                          1.54, 1.47, 1.46, 1.42, 1.39, 1.45, 1.44, 1.42, 1.39, 1.39, 1.38, 1.39, 1.40};

// Free-atom energies (Hartree), rounded; Z = 1..36. Heavier atoms are left out on purpose: with
// effective core potentials (def2 basis sets for Z > 36) their totals differ by an order of magnitude.
const double kAtomHa[] = {0,       -0.500,  -2.90,   -7.48,   -14.67,  -24.65,  -37.84,  -54.58,  -75.06,
                          -99.72,  -128.9,  -162.3,  -200.1,  -242.4,  -289.4,  -341.3,  -398.1,  -460.1,
                          -527.5,  -600.0,  -677.5,  -760.6,  -849.3,  -943.9,  -1044.4, -1150.9, -1263.6,
                          -1382.7, -1508.2, -1640.2, -1779.3, -1923.9, -2075.4, -2234.2, -2400.0, -2574.0,
                          -2753.0};

}  // namespace

const std::string& element_symbol(int z) {
  if (z < 1 || z > kMaxZ) throw InputError("atomic number " + std::to_string(z) + " is not an element (1.." +
                                           std::to_string(kMaxZ) + ")");
  return symbols()[static_cast<std::size_t>(z)];
}

int atomic_number(const std::string& symbol) {
  if (symbol.empty() || symbol.size() > 2) return 0;
  std::string s(1, static_cast<char>(std::toupper(static_cast<unsigned char>(symbol[0]))));
  if (symbol.size() == 2) s += static_cast<char>(std::tolower(static_cast<unsigned char>(symbol[1])));
  const auto& table = symbols();
  for (std::size_t z = 1; z < table.size(); ++z)
    if (table[z] == s) return static_cast<int>(z);
  return 0;
}

double covalent_radius(int z) {
  if (z >= 1 && z < static_cast<int>(sizeof kRadius / sizeof kRadius[0])) return kRadius[z];
  return 1.5;
}

double atom_energy_hartree(int z) {
  if (z >= 1 && z < static_cast<int>(sizeof kAtomHa / sizeof kAtomHa[0])) return kAtomHa[z];
  return 0.0;
}

}  // namespace labkit::qo2mol_pack
