#include "input.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "elements.h"
#include "labkit/core/error.h"
#include "molecule_key.h"
#include "units.h"

namespace labkit::qo2mol_pack {
namespace {

std::string base_name(const std::string& path) {
  const auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

bool all_finite(const std::vector<double>& v) {
  return std::all_of(v.begin(), v.end(), [](double x) { return std::isfinite(x); });
}

}  // namespace

std::string format_of(const std::string& path) {
  auto ends = [&](const char* suffix) {
    const std::string s(suffix);
    return path.size() >= s.size() && path.compare(path.size() - s.size(), s.size(), s) == 0;
  };
  if (ends(".pkl") || ends(".pickle")) return "pickle";
  if (ends(".xyz") || ends(".extxyz")) return "extxyz";
  if (ends(".sdf") || ends(".mol")) return "sdf";
  if (ends(".db")) return "ase-sqlite";
  if (ends(".h5") || ends(".hdf5")) return "spice-hdf5";
  throw input_error(path, "unknown input format (expected .pkl, .xyz/.extxyz, .sdf/.mol, .db, .h5/.hdf5)");
}

std::vector<int> parse_element_set(const std::string& text) {
  if (text.empty() || text == "any") return {};
  if (text == "qo2mol") return {1, 6, 7, 8, 9, 15, 16, 17, 35, 53};
  std::vector<int> out;
  std::string cur;
  for (char ch : text + ",") {
    if (ch == ',') {
      if (!cur.empty()) {
        const int z = atomic_number(cur);
        if (!z) throw InputError("--elements: unknown element '" + cur + "'");
        out.push_back(z);
      }
      cur.clear();
    } else if (ch != ' ') {
      cur += ch;
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

namespace {

// One input's conversion: structural checks per record, the energy unit decided from the first
// `detect_records` conformers (held until then), the force unit at the first conformer with forces,
// then every conformer converted into the internal units and handed to the sink.
class Converter {
 public:
  Converter(const std::string& path, const InputOptions& opt, const std::function<void(PackedConformer&&)>& sink)
      : path(path), opt(opt), sink(sink) {
    rep.path = path;
    rep.format = format_of(path);
  }

  // What a reader hands over, in the file's units.
  void take(Conformer&& c) {
    check(c);
    if (opt.geometry_only && !decided) decide();
    if (decided) {
      emit(std::move(c));
      return;
    }
    ratios.push_back(free_atom_ratio(c.z, c.energy));
    pending.push_back(std::move(c));
    if (static_cast<int>(pending.size()) >= opt.detect_records) {
      flush_pending();
    }
  }

  InputReport finish() {
    if (!decided) {
      if (pending.empty()) throw input_error(path, "holds no conformers");
      flush_pending();
    }
    return rep;
  }

  SourceUnits units;  // what the file states (filled by the reader)
  InputReport rep;

 private:
  [[noreturn]] void fail(const Conformer& c, const std::string& what) const { throw input_error(path, c.record + ": " + what); }

  // Structural checks: they hold whatever the units turn out to be.
  void check(Conformer& c) const {
    // Structural checks first: they hold whatever the units turn out to be.
    const std::size_t n = c.z.size();
    if (n == 0) fail(c, "has no atoms");
    if (c.positions.size() != 3 * n)
      fail(c, "has " + std::to_string(n) + " atoms but " + std::to_string(c.positions.size()) + " coordinates (expected " +
                  std::to_string(3 * n) + ")");
    if (!c.forces.empty() && c.forces.size() != 3 * n)
      fail(c, "has " + std::to_string(n) + " atoms but " + std::to_string(c.forces.size()) + " force components");
    if (!c.formal_charges.empty() && c.formal_charges.size() != n)
      fail(c, "has " + std::to_string(n) + " atoms but " + std::to_string(c.formal_charges.size()) + " formal charges");
    for (auto z : c.z) {
      if (z < 1 || z > kMaxZ) fail(c, "atomic number " + std::to_string(z) + " is not an element");
      if (!opt.elements.empty() && !std::binary_search(opt.elements.begin(), opt.elements.end(), z))
        fail(c, "element " + element_symbol(z) + " is outside the declared element set (--elements)");
    }
    if (opt.geometry_only) {  // NaN marks "no energy" in the packed file; forces need an energy unit
      c.energy = std::numeric_limits<double>::quiet_NaN();
      c.forces.clear();
    } else if (!std::isfinite(c.energy)) {
      fail(c, std::isnan(c.energy) ? "energy is NaN or missing (--geometry-only packs geometries without energies)"
                                   : "energy is infinite");
    }
    if (!all_finite(c.positions)) fail(c, "coordinates contain NaN or inf");
    if (!all_finite(c.forces)) fail(c, "forces contain NaN or inf");
  }

  // The energy unit from the median free-atom ratio of the held conformers, then those conformers.
  void flush_pending() {
    std::vector<double> nz;
    for (double r : ratios)
      if (r != 0.0) nz.push_back(r);
    if (!nz.empty()) {
      std::nth_element(nz.begin(), nz.begin() + static_cast<std::ptrdiff_t>(nz.size() / 2), nz.end());
      rep.median_ratio = nz[nz.size() / 2];
    }
    decide();
    for (auto& q : pending) emit(std::move(q));
    pending.clear();
  }

  void decide() {
    rep.length_unit = opt.length_unit.empty() ? (units.length.empty() ? "Ang" : units.length) : opt.length_unit;
    rep.length_unit = canonical_length_unit(rep.length_unit);
    if (rep.length_unit.empty()) throw input_error(path, "unknown length unit");
    if (opt.geometry_only) {  // energies are not read: no unit to decide
      rep.energy_unit = "none";
      rep.energy_unit_basis = "--geometry-only";
      fl = length_to_ang(rep.length_unit);
      decided = true;
      return;
    }
    std::string stated = units.energy;
    const std::string detected = detect_energy_unit(ratios);
    if (!opt.energy_unit.empty() && opt.energy_unit != "auto") {
      rep.energy_unit = canonical_energy_unit(opt.energy_unit);
      if (rep.energy_unit.empty()) throw InputError("--energy-unit: unknown unit '" + opt.energy_unit + "'");
      rep.energy_unit_basis = "stated by --energy-unit";
    } else if (!stated.empty()) {
      rep.energy_unit = stated;
      rep.energy_unit_basis = "stated by the file";
    } else if (!detected.empty() && opt.unit_check) {
      rep.energy_unit = detected;
      rep.energy_unit_basis = "detected from per-atom energies";
    } else {
      throw input_error(path, std::string("the file does not state its energy unit and ") +
                                  (opt.unit_check ? "the energies match none of Ha/eV/kcal/mol/kJ/mol"
                                                  : "the unit check is off") +
                                  "; give --energy-unit");
    }
    if (opt.unit_check && !ratios.empty() && detected != rep.energy_unit)
      throw input_error(path, "energies are in " + (detected.empty() ? std::string("no known unit") : detected) +
                                  " by their size (E / free-atom sum = " + std::to_string(rep.median_ratio) +
                                  "), but " + rep.energy_unit + " is " + rep.energy_unit_basis +
                                  " (--no-unit-check for semi-empirical or relative energies)");
    fe = energy_to_ev(rep.energy_unit);
    fl = length_to_ang(rep.length_unit);
    decided = true;
  }

  // The force unit is decided at the first conformer that has forces (files without forces need none):
  // --force-unit (every input), else what the file states, else <energy unit>/--force-length, else
  // eV/Ang when the energies are eV (ASE's convention). Energies in any other unit with nothing stating
  // the force unit are refused: psi4, ORCA and Gaussian users write Hartree/Bohr, MD17/schnetpack
  // kcal/mol/Ang, and the numbers cannot tell which length is meant.
  void decide_force_unit() {
    if (!opt.force_unit.empty()) {
      rep.force_unit = opt.force_unit;
      rep.force_unit_basis = "stated by --force-unit";
    } else if (!units.force.empty()) {
      rep.force_unit = units.force;
      rep.force_unit_basis = "stated by the file";
    } else if (!opt.force_length.empty()) {
      rep.force_unit = rep.energy_unit + "/" + opt.force_length;
      rep.force_unit_basis = "energy unit / --force-length";
    } else if (rep.energy_unit == "eV") {
      rep.force_unit = "eV/Ang";
      rep.force_unit_basis = "eV energies: eV/Ang (ASE's convention)";
    } else {
      throw input_error(path, "energies are in " + rep.energy_unit + " (" + rep.energy_unit_basis +
                                  ") but nothing states the force unit (" + rep.energy_unit + "/Bohr or " +
                                  rep.energy_unit + "/Ang?); give --force-length Bohr|Ang (per input: its energy "
                                  "unit per that length) or --force-unit (every input), e.g. --force-unit " +
                                  rep.energy_unit + "/Bohr");
    }
    ff = force_to_ev_per_ang(rep.force_unit, path);
    if (units.force_is_gradient) ff = -ff;
    force_decided = true;
  }

  void emit(Conformer&& c) {
    const double expect_ratio = opt.geometry_only ? 0.0 : kHartreeEv / energy_to_ev(rep.energy_unit);
    const double r = opt.geometry_only ? 0.0 : free_atom_ratio(c.z, c.energy);
    if (opt.unit_check && r != 0.0 && std::fabs(std::log(r / expect_ratio)) > std::log(1.25))
      fail(c, "energy " + std::to_string(c.energy) + " is " + std::to_string(r) + " x the free-atom sum in Ha; " +
                  rep.energy_unit + " would give " + std::to_string(expect_ratio) +
                  " (mixed units or not a total energy?)");
    PackedConformer p;
    p.record = c.record;
    p.energy = c.energy * fe;
    p.net_charge = c.net_charge;
    const std::size_t n = c.z.size();
    p.z.resize(n);
    for (std::size_t k = 0; k < n; ++k) p.z[k] = static_cast<std::uint8_t>(c.z[k]);
    p.positions.resize(3 * n);
    for (std::size_t k = 0; k < 3 * n; ++k) {
      c.positions[k] *= fl;
      p.positions[k] = static_cast<float>(c.positions[k]);
    }
    p.has_forces = !c.forces.empty();
    if (p.has_forces && !force_decided) decide_force_unit();
    p.forces.assign(3 * n, 0.0f);
    for (std::size_t k = 0; k < c.forces.size(); ++k) p.forces[k] = static_cast<float>(c.forces[k] * ff);
    p.formal_charges.assign(n, 0);
    for (std::size_t k = 0; k < c.formal_charges.size(); ++k) p.formal_charges[k] = static_cast<std::int8_t>(c.formal_charges[k]);
    p.molecule_key = c.molecule_key.empty() ? graph_key(c) : c.molecule_key;
    p.conformer_id = c.conformer_id.empty() ? base_name(path) + ":" + std::to_string(index) : c.conformer_id;
    ++index;
    ++rep.conformers;
    sink(std::move(p));
  }

  const std::string& path;
  const InputOptions& opt;
  const std::function<void(PackedConformer&&)>& sink;
  std::vector<Conformer> pending;  // held until the energy unit is decided
  std::vector<double> ratios;
  bool decided = false, force_decided = false;
  double fe = 1, fl = 1, ff = 1;  // factors into eV, Angstrom, eV/Angstrom
  std::int64_t index = 0;
};

}  // namespace

InputReport read_input(const std::string& path, const InputOptions& opt,
                       const std::function<void(PackedConformer&&)>& sink) {
  Converter conv(path, opt, sink);
  auto take = [&](Conformer&& c) { conv.take(std::move(c)); };
  const ReaderOptions& ro = opt.reader;
  const std::string fmt = conv.rep.format;
  if (fmt == "pickle") read_qo2mol_pickle(path, ro, conv.units, take);
  else if (fmt == "extxyz") read_extxyz(path, ro, conv.units, take);
  else if (fmt == "sdf") read_sdf(path, ro, conv.units, take);
  else if (fmt == "ase-sqlite") read_ase_sqlite(path, ro, conv.units, take);
  else read_spice_hdf5(path, ro, conv.units, take);
  return conv.finish();
}

}  // namespace labkit::qo2mol_pack
