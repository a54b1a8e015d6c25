#include "settings.h"

#include <CLI/CLI.hpp>

#include "labkit/core/settings.h"
#include "units.h"

namespace labkit::qo2mol_pack {

nlohmann::json default_config() {
  return {
      {"pack",
       {{"energy_unit", "auto"},  // auto: what the file states, else detected from the energies
        {"length_unit", ""},      // "" = what each file states (else Ang); Ang, Bohr, nm overrides every input
        {"force_unit", ""},       // "" = the file's; e.g. Ha/Bohr overrides every input
        {"force_length", ""},     // Ang, Bohr, nm: forces are <the input's energy unit>/this where unstated
        {"energy_key", ""},       // property holding the total energy ("" = the format's usual name)
        {"forces_key", ""},
        {"unit_check", true},     // free-atom energy check; off for semi-empirical or relative energies
        {"md5_check", true},      // inputs named like QO2Mol release files must match the published MD5
        {"geometry_only", false},  // pack conformers without energies (plain XYZ, MD trajectories)
        {"elements", "any"},      // any, qo2mol, or symbols H,C,N,O
        {"duplicates", "drop"},   // drop, keep, error
        {"duplicate_tolerance", 0.001},  // Angstrom grid
        {"gzip", 0},
        {"atom_chunk", 4096},
        {"conformer_chunk", 4096}}},
      {"merge",
       {{"train", 0.8}, {"val", 0.1}, {"test", 0.1}, {"ood_min_heavy", 0}, {"ood_fraction", 0.1}, {"name", "qo2mol-pack"}}},
      {"verify", {{"elements", "any"}, {"max_problems", 50}}},
      {"inspect", {{"conformers", 5}}},
      {"export", {{"split", ""}, {"label", ""}, {"limit", -1}}},
  };
}

namespace {

std::string unit_key(const Config& c, const std::string& key, bool length) {
  const std::string v = c.at(key).get<std::string>();
  if (v.empty()) return v;
  const std::string canon = length ? canonical_length_unit(v) : canonical_energy_unit(v);
  if (canon.empty()) throw config_error(key, "'" + v + "' is not a " + (length ? "length unit (Ang, Bohr, nm)" : "unit"));
  return canon;
}

PackOptions pack_from_config(const Config& c) {
  PackOptions p;
  InputOptions& in = p.input;
  in.energy_unit = c.at("pack.energy_unit").get<std::string>();
  if (in.energy_unit != "auto") in.energy_unit = unit_key(c, "pack.energy_unit", false);
  in.length_unit = unit_key(c, "pack.length_unit", true);
  in.force_length = unit_key(c, "pack.force_length", true);
  in.force_unit = c.at("pack.force_unit").get<std::string>();
  if (!in.force_unit.empty()) {
    try {
      force_to_ev_per_ang(in.force_unit, "");
    } catch (const InputError&) {
      throw config_error("pack.force_unit", "'" + in.force_unit + "' is not <energy unit>/<length unit>");
    }
  }
  in.reader.energy_key = c.at("pack.energy_key").get<std::string>();
  in.reader.forces_key = c.at("pack.forces_key").get<std::string>();
  in.unit_check = c.at("pack.unit_check").get<bool>();
  in.geometry_only = c.at("pack.geometry_only").get<bool>();
  if (!in.unit_check && in.energy_unit == "auto" && !in.geometry_only)
    throw config_error("pack.unit_check", "false (--no-unit-check) needs pack.energy_unit (--energy-unit)");
  try {
    in.elements = parse_element_set(c.at("pack.elements").get<std::string>());
  } catch (const InputError& e) {
    throw config_error("pack.elements", e.what());
  }
  p.check_md5 = c.at("pack.md5_check").get<bool>();
  p.duplicates = one_of(c, "pack.duplicates", {"drop", "keep", "error"});
  p.duplicate_tolerance = number_in(c, "pack.duplicate_tolerance", 1e-9, 10.0);
  p.storage.gzip = static_cast<int>(int_in(c, "pack.gzip", 0, 9));
  p.storage.atom_chunk = int_in(c, "pack.atom_chunk", 1, std::int64_t{1} << 24);
  p.storage.conformer_chunk = int_in(c, "pack.conformer_chunk", 1, std::int64_t{1} << 24);
  return p;
}

MergeOptions merge_from_config(const Config& c) {
  MergeOptions m;
  m.fractions.train = number_in(c, "merge.train", 0, 1);
  m.fractions.val = number_in(c, "merge.val", 0, 1);
  m.fractions.test = number_in(c, "merge.test", 0, 1);
  try {
    check_fractions(m.fractions);
  } catch (const InputError& e) {
    throw config_error("merge.train/val/test", e.what());
  }
  m.ood_min_heavy = static_cast<int>(int_in(c, "merge.ood_min_heavy", 0, 10000));
  m.ood_fraction = number_in(c, "merge.ood_fraction", 0, 1);
  m.dataset_name = c.at("merge.name").get<std::string>();
  if (m.dataset_name.empty()) throw config_error("merge.name", "must not be empty");
  return m;
}

}  // namespace

Settings Settings::from_config(const Config& c) {
  Settings s;
  s.pack = pack_from_config(c);
  s.merge = merge_from_config(c);
  try {
    s.verify_elements = parse_element_set(c.at("verify.elements").get<std::string>());
  } catch (const InputError& e) {
    throw config_error("verify.elements", e.what());
  }
  s.verify_max_problems = int_in(c, "verify.max_problems", 1, 1000000);
  s.inspect_conformers = int_in(c, "inspect.conformers", 0, 1000000);
  s.export_options.split = c.at("export.split").get<std::string>();
  s.export_options.label = c.at("export.label").get<std::string>();
  s.export_options.limit = int_in(c, "export.limit", -1, std::int64_t{1} << 62);
  if (!s.export_options.split.empty()) {
    one_of(c, "export.split", {"random", "ood_heavy_atoms", "upstream"});
    if (s.export_options.label.empty()) throw config_error("export.label", "is needed with export.split (--label)");
  }
  return s;
}

const std::vector<MirrorFlag>& mirror_flags() {
  static const std::vector<MirrorFlag> flags = {
      {"pack", "--energy-unit", "pack.energy_unit", "", "Energy unit of the inputs: auto, eV, Ha, kcal/mol, kJ/mol, meV"},
      {"pack", "--length-unit", "pack.length_unit", "", "Positions' unit of every input: Ang, Bohr, nm"},
      {"pack", "--force-unit", "pack.force_unit", "", "Force unit of every input, e.g. Ha/Bohr (over what files state)"},
      {"pack", "--force-length", "pack.force_length", "",
       "Inputs that state no force unit: forces are <their energy unit>/this (Ang, Bohr, nm)"},
      {"pack", "--energy-key", "pack.energy_key", "", "Property holding the total energy"},
      {"pack", "--forces-key", "pack.forces_key", "", "Property holding the forces"},
      {"pack", "--no-unit-check", "pack.unit_check", "false",
       "Skip the free-atom energy check (semi-empirical or relative energies); needs --energy-unit"},
      {"pack", "--no-md5", "pack.md5_check", "false", "Skip the MD5 check of inputs named like QO2Mol release files"},
      {"pack", "--geometry-only", "pack.geometry_only", "true",
       "Pack conformers without energies (plain XYZ, MD trajectories): energy NaN, no unit check"},
      {"pack", "--elements", "pack.elements", "", "Declared element set: 'qo2mol', 'any', or symbols H,C,N,O"},
      {"pack", "--duplicates", "pack.duplicates", "", "Duplicate conformers: drop, keep or error"},
      {"pack", "--duplicate-tolerance", "pack.duplicate_tolerance", "", "Coordinate grid (Ang) for duplicates"},
      {"pack", "--gzip", "pack.gzip", "", "Deflate level for the arrays (0 = none)"},
      {"pack", "--atom-chunk", "pack.atom_chunk", "", "Rows per HDF5 chunk of the per-atom arrays"},
      {"pack", "--conformer-chunk", "pack.conformer_chunk", "", "Rows per chunk of the per-conformer arrays"},
      {"merge", "--train", "merge.train", "", "Fraction of molecules in train"},
      {"merge", "--val", "merge.val", "", "Fraction of molecules in val"},
      {"merge", "--test", "merge.test", "", "Fraction of molecules in test"},
      {"merge", "--ood-min-heavy", "merge.ood_min_heavy", "", "Molecules with at least this many heavy atoms are OOD"},
      {"merge", "--ood-fraction", "merge.ood_fraction", "", "Without --ood-min-heavy: OOD = largest ~fraction"},
      {"merge", "--name", "merge.name", "", "Dataset name in the index and manifest"},
      {"verify", "--elements", "verify.elements", "", "Element set to enforce: 'qo2mol', 'any', or symbols"},
      {"verify", "--max-problems", "verify.max_problems", "", "List at most this many problems"},
      {"inspect", "--conformers", "inspect.conformers", "", "How many conformers to list"},
      {"export", "--split", "export.split", "", "Split to export: random, ood_heavy_atoms, upstream"},
      {"export", "--label", "export.label", "", "Split label: train, val, test, ood, ..."},
      {"export", "--limit", "export.limit", "", "At most this many conformers (-1: all)"},
  };
  return flags;
}

std::vector<std::string> expand_mirror_flags(int argc, char** argv) {
  std::vector<std::string> out;
  std::string verb;
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    if (i > 0 && verb.empty() && !a.empty() && a[0] != '-') verb = a;  // the first positional is the verb
    const auto eq = a.find('=');
    const std::string name = a.rfind("--", 0) == 0 && eq != std::string::npos ? a.substr(0, eq) : a;
    const MirrorFlag* hit = nullptr;
    for (const auto& f : mirror_flags())
      if (f.flag == name && f.verb == verb) hit = &f;
    if (!hit) {
      out.push_back(a);
      continue;
    }
    std::string value = hit->switch_value;
    if (value.empty()) {
      if (eq != std::string::npos && name != a) value = a.substr(eq + 1);
      else if (i + 1 < argc) value = argv[++i];
      else {
        out.push_back(a);  // let the parser report the missing value
        continue;
      }
    }
    out.push_back("--set");
    out.push_back(hit->key + "=" + value);
  }
  return out;
}

void add_mirror_flags_to_help(CLI::App& app) {
  for (const auto& f : mirror_flags()) {
    CLI::App* verb = app.get_subcommand(f.verb);
    const std::string help = f.help + " (same as --set " + f.key + "=" + (f.switch_value.empty() ? "..." : f.switch_value) + ")";
    if (f.switch_value.empty()) verb->add_option(f.flag, help)->type_name("VALUE");
    else verb->add_flag(f.flag, help);
  }
}

}  // namespace labkit::qo2mol_pack
