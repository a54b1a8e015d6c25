// Element facts the packer needs: symbols, covalent radii (bond perception), free-atom energies (unit check).
#pragma once

#include <string>

namespace labkit::qo2mol_pack {

constexpr int kMaxZ = 86;

// "C" for 6; throws InputError for Z outside 1..kMaxZ.
const std::string& element_symbol(int z);
// 6 for "C" (case-insensitive second letter accepted: "CL" -> 17); 0 if unknown.
int atomic_number(const std::string& symbol);
// Single-bond covalent radius in Angstrom (Cordero et al. 2008); 1.5 for elements without a value.
double covalent_radius(int z);
// Approximate free-atom total energy in Hartree for Z <= 36 (HF/DFT-level, within ~1%), 0 if not tabulated.
// Only used to tell Hartree from eV from kcal/mol, which differ by factors of 27 and 23.
double atom_energy_hartree(int z);

}  // namespace labkit::qo2mol_pack
