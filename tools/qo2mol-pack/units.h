// The one internal unit set (eV, Angstrom, eV/Angstrom) and the conversions into it.
// Energies whose unit a source does not state are identified from their size: a total energy is within
// a few percent of the sum of free-atom energies, so E / sum(atom energies in Ha) is ~1 for Hartree,
// ~27.2 for eV, ~627.5 for kcal/mol and ~2625.5 for kJ/mol. The same test checks a unit given by flag.
#pragma once

#include <string>
#include <vector>

#include "conformer.h"

namespace labkit::qo2mol_pack {

// CODATA 2018.
constexpr double kHartreeEv = 27.211386245988;
constexpr double kBohrAng = 0.529177210903;
constexpr double kKcalMolEv = 4184.0 / (6.02214076e23 * 1.602176634e-19);
constexpr double kKjMolEv = 1000.0 / (6.02214076e23 * 1.602176634e-19);

// Canonical spelling ("eV", "Ha", "kcal/mol", "kJ/mol", "meV"; "Ang", "Bohr", "nm") or "" if unknown.
std::string canonical_energy_unit(const std::string& name);
std::string canonical_length_unit(const std::string& name);
double energy_to_ev(const std::string& canonical_unit);
double length_to_ang(const std::string& canonical_unit);
// Force unit given as "<energy>/<length>"; throws InputError naming `where` if unparseable.
double force_to_ev_per_ang(const std::string& unit, const std::string& where);

// E / sum of free-atom energies in Hartree; 0 when an element has no tabulated free-atom energy.
double free_atom_ratio(const std::vector<std::int32_t>& z, double energy);
// The energy unit whose Hartree factor is within 25% of `ratio`, or "" if none is.
std::string unit_from_ratio(double ratio);
// Median of ratios -> unit ("" if the median matches none, or no ratios).
std::string detect_energy_unit(std::vector<double> ratios);

}  // namespace labkit::qo2mol_pack
