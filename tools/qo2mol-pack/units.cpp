#include "units.h"

#include <algorithm>
#include <cctype>
#include <cmath>

#include "elements.h"
#include "labkit/core/error.h"

namespace labkit::qo2mol_pack {

namespace {
std::string lower(std::string s) {
  for (auto& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}
}  // namespace

// Spellings seen in files (ASE, schnetpack, SPICE, extxyz comments) and flags; case-insensitive except
// that "MeV" is not "meV".
std::string canonical_energy_unit(const std::string& name) {
  if (name == "MeV") return "";
  const std::string n = lower(name);
  if (n == "ev" || n == "electronvolt") return "eV";
  if (n == "mev") return "meV";
  if (n == "ha" || n == "hartree" || n == "hartrees" || n == "eh" || n == "au") return "Ha";
  if (n == "kcal/mol" || n == "kcal_mol" || n == "kcal mol-1" || n == "kcal" || n == "kcal/mole") return "kcal/mol";
  if (n == "kj/mol" || n == "kj_mol" || n == "kj" || n == "kj/mole") return "kJ/mol";
  return "";
}

std::string canonical_length_unit(const std::string& name) {
  if (name == "Å") return "Ang";
  const std::string n = lower(name);
  if (n == "ang" || n == "angstrom" || n == "angstroms" || n == "a") return "Ang";
  if (n == "bohr" || n == "a0" || n == "au") return "Bohr";
  if (n == "nm" || n == "nanometer") return "nm";
  return "";
}

double energy_to_ev(const std::string& u) {
  if (u == "eV") return 1.0;
  if (u == "meV") return 1e-3;
  if (u == "Ha") return kHartreeEv;
  if (u == "kcal/mol") return kKcalMolEv;
  if (u == "kJ/mol") return kKjMolEv;
  throw InputError("unknown energy unit '" + u + "' (eV, meV, Ha, kcal/mol, kJ/mol)");
}

double length_to_ang(const std::string& u) {
  if (u == "Ang") return 1.0;
  if (u == "Bohr") return kBohrAng;
  if (u == "nm") return 10.0;
  throw InputError("unknown length unit '" + u + "' (Ang, Bohr, nm)");
}

double force_to_ev_per_ang(const std::string& unit, const std::string& where) {
  const auto slash = unit.rfind('/');
  if (slash == std::string::npos) throw input_error(where, "force unit '" + unit + "' is not <energy>/<length>");
  const std::string e = canonical_energy_unit(unit.substr(0, slash));
  const std::string l = canonical_length_unit(unit.substr(slash + 1));
  if (e.empty() || l.empty()) throw input_error(where, "unknown force unit '" + unit + "'");
  return energy_to_ev(e) / length_to_ang(l);
}

double free_atom_ratio(const std::vector<std::int32_t>& z, double energy) {
  double sum = 0.0;
  for (auto zi : z) {
    const double e = atom_energy_hartree(zi);
    if (e == 0.0) return 0.0;
    sum += e;
  }
  return sum == 0.0 ? 0.0 : energy / sum;
}

std::string unit_from_ratio(double ratio) {
  static const char* const units[] = {"Ha", "eV", "kcal/mol", "kJ/mol", "meV"};
  if (!(ratio > 0)) return "";
  for (const char* u : units) {
    const double expect = kHartreeEv / energy_to_ev(u);
    if (std::fabs(std::log(ratio / expect)) < std::log(1.25)) return u;
  }
  return "";
}

std::string detect_energy_unit(std::vector<double> ratios) {
  ratios.erase(std::remove(ratios.begin(), ratios.end(), 0.0), ratios.end());
  if (ratios.empty()) return "";
  auto mid = ratios.begin() + static_cast<std::ptrdiff_t>(ratios.size() / 2);
  std::nth_element(ratios.begin(), mid, ratios.end());
  return unit_from_ratio(*mid);
}

}  // namespace labkit::qo2mol_pack
