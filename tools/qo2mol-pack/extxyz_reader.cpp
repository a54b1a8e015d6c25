// Extended XYZ as ASE writes it: atom count, a comment line of key=value pairs (values may be quoted)
// with Properties=name:type:columns:..., then one line per atom. Plain XYZ (no Properties) reads as
// species x y z. ASE writes energies in eV by convention, but the file does not say so: the unit check
// decides unless a flag or a unit hint in the comment line states it. Hints read (keys case-insensitive,
// values as units.cpp spells them): units= or energy_unit(s)= for energies, force_unit(s)= /
// forces_unit(s)= for forces, length_unit(s)= / pos_unit(s)= / distance_unit= for positions. Every frame
// that states a unit must state the one the first frame stated.
#include <cctype>
#include <cmath>
#include <functional>
#include <limits>
#include <map>

#include "elements.h"
#include "labkit/core/error.h"
#include "readers.h"
#include "text_util.h"
#include "units.h"

namespace labkit::qo2mol_pack {
namespace {

std::map<std::string, std::string> parse_comment(const std::string& line) {
  std::map<std::string, std::string> kv;
  std::size_t i = 0;
  const std::size_t n = line.size();
  while (i < n) {
    while (i < n && std::isspace(static_cast<unsigned char>(line[i]))) ++i;
    if (i >= n) break;
    std::size_t k = i;
    while (k < n && line[k] != '=' && !std::isspace(static_cast<unsigned char>(line[k]))) ++k;
    std::string key = line.substr(i, k - i);
    i = k;
    if (i < n && line[i] == '=') {
      ++i;
      std::string value;
      if (i < n && (line[i] == '"' || line[i] == '{' || line[i] == '\'')) {
        const char close = line[i] == '{' ? '}' : line[i];
        const auto e = line.find(close, i + 1);
        value = line.substr(i + 1, (e == std::string::npos ? n : e) - i - 1);
        i = e == std::string::npos ? n : e + 1;
      } else {
        std::size_t e = i;
        while (e < n && !std::isspace(static_cast<unsigned char>(line[e]))) ++e;
        value = line.substr(i, e - i);
        i = e;
      }
      kv[key] = value;
    } else {
      kv[key] = "T";  // bare flag
    }
  }
  return kv;
}

// Which SourceUnits field each comment key states.
const std::map<std::string, int>& hint_keys() {
  static const std::map<std::string, int> keys = {
      {"units", 0},        {"energy_unit", 0},   {"energy_units", 0},  {"force_unit", 1},    {"force_units", 1},
      {"forces_unit", 1},  {"forces_units", 1},  {"length_unit", 2},   {"length_units", 2},  {"pos_unit", 2},
      {"pos_units", 2},    {"distance_unit", 2}, {"distance_units", 2}};
  return keys;
}

std::string lower(std::string s) {
  for (auto& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

// Reads the unit hints of one frame's comment into `units` (the first frame's) or checks them against it.
void apply_unit_hints(const std::map<std::string, std::string>& kv, SourceUnits& units, bool first,
                      const std::function<void(const std::string&)>& fail) {
  for (const auto& [key, value] : kv) {
    const auto it = hint_keys().find(lower(key));
    if (it == hint_keys().end()) continue;
    std::string unit;
    if (it->second == 0) unit = canonical_energy_unit(value);
    else if (it->second == 2) unit = canonical_length_unit(value);
    else if (const auto slash = value.rfind('/'); slash != std::string::npos &&
             !canonical_energy_unit(value.substr(0, slash)).empty() &&
             !canonical_length_unit(value.substr(slash + 1)).empty())
      unit = value;
    if (unit.empty())
      fail(key + "=" + value + " is not a known " + (it->second == 0 ? "energy" : it->second == 1 ? "force" : "length") +
           " unit");
    std::string& slot = it->second == 0 ? units.energy : it->second == 1 ? units.force : units.length;
    if (first) slot = unit;
    else if (slot != unit) fail(key + "=" + value + " differs from the unit the first frame states ('" + slot + "')");
  }
}

struct Column {
  std::string name;
  char type;
  int count;
  int first;  // first token index on an atom line
};

using Fail = std::function<void(const std::string&)>;

// The columns of an atom line: from Properties=name:type:count:..., or plain XYZ's species x y z.
std::vector<Column> parse_properties(std::map<std::string, std::string>& kv, const Fail& fail) {
  if (!kv.count("Properties")) return {{"species", 'S', 1, 0}, {"pos", 'R', 3, 1}};
  std::vector<std::string> parts;
  std::string cur;
  for (char ch : kv["Properties"] + ":") {
    if (ch == ':') {
      parts.push_back(cur);
      cur.clear();
    } else {
      cur += ch;
    }
  }
  if (parts.size() % 3) fail("Properties '" + kv["Properties"] + "' is not name:type:count triples");
  std::vector<Column> cols;
  int at = 0;
  for (std::size_t k = 0; k + 2 < parts.size(); k += 3) {
    long count = 0;
    try {
      count = parse_long(parts[k + 2]);
    } catch (const std::invalid_argument&) {
    }
    // A column count outside 1..1000 once indexed atom lines out of bounds (fuzz/extxyz_fuzz).
    if (count < 1 || count > 1000)
      fail("Properties column '" + parts[k] + "' has count '" + parts[k + 2] + "' (expected 1..1000)");
    cols.push_back({parts[k], parts[k + 1].empty() ? 'R' : parts[k + 1][0], static_cast<int>(count), at});
    at += static_cast<int>(count);
  }
  return cols;
}

// The columns a conformer is read from (null when absent) and how many tokens an atom line needs.
struct AtomColumns {
  const Column* species = nullptr;
  const Column* pos = nullptr;
  const Column* forces = nullptr;
  const Column* zcol = nullptr;
  const Column* charges = nullptr;
  int width = 0;
};

AtomColumns find_columns(const std::vector<Column>& cols, const std::string& fkey, const Fail& fail) {
  AtomColumns a;
  for (const auto& c : cols) {
    if (c.name == "species") a.species = &c;
    if (c.name == "Z") a.zcol = &c;
    if (c.name == "pos") a.pos = &c;
    if (c.name == fkey) a.forces = &c;
    if (c.name == "initial_charges" || c.name == "formal_charges") a.charges = &c;
    a.width = c.first + c.count;
  }
  if (!a.pos || (!a.species && !a.zcol)) fail("Properties lack species/Z or pos");
  if (a.pos->count != 3 || (a.forces && a.forces->count != 3)) fail("pos/forces must have 3 columns");
  return a;
}

// Per-frame values from the comment line: energy, molecule key, conformer id, net charge.
void read_frame_values(std::map<std::string, std::string>& kv, const std::string& ekey, Conformer& c,
                       const Fail& fail) {
  if (kv.count(ekey)) {
    try {
      c.energy = parse_double(kv[ekey]);
    } catch (const std::exception& e) {
      fail("energy: " + std::string(e.what()));
    }
  }
  for (const char* k : {"inchikey", "InChIKey"})
    if (kv.count(k)) c.molecule_key = kv[k];
  for (const char* k : {"confid", "conformer_id", "name"})
    if (kv.count(k) && c.conformer_id.empty()) c.conformer_id = kv[k];
  if (kv.count("charge")) {
    try {  // an uncaught std::invalid_argument here ended the process (fuzz/extxyz_fuzz)
      c.net_charge = parse_double(kv["charge"]);
    } catch (const std::invalid_argument& e) {
      fail("charge: " + std::string(e.what()));
    }
  }
}

// One atom line's element, position, and forces and charge where the Properties have them.
void read_atom_line(const std::string& line, long line_no, const AtomColumns& a, Conformer& c, const Fail& fail) {
  const auto tok = split_ws(line);
  const auto at = [&](int index) -> const std::string& { return tok[static_cast<std::size_t>(index)]; };
  if (static_cast<int>(tok.size()) < a.width)
    fail("line " + std::to_string(line_no) + " has " + std::to_string(tok.size()) + " columns, Properties need " +
         std::to_string(a.width));
  try {
    if (a.species) {
      const int z = atomic_number(at(a.species->first));
      if (!z) fail("line " + std::to_string(line_no) + ": unknown element '" + at(a.species->first) + "'");
      c.z.push_back(z);
    } else {
      c.z.push_back(static_cast<std::int32_t>(parse_long(at(a.zcol->first))));
    }
    for (int d = 0; d < 3; ++d) c.positions.push_back(parse_double(at(a.pos->first + d)));
    if (a.forces)
      for (int d = 0; d < 3; ++d) c.forces.push_back(parse_double(at(a.forces->first + d)));
    if (a.charges) c.formal_charges.push_back(static_cast<std::int32_t>(std::lround(parse_double(at(a.charges->first)))));
  } catch (const std::invalid_argument& e) {
    fail("line " + std::to_string(line_no) + ": " + e.what());
  }
}

}  // namespace

void read_extxyz(const std::string& path, const ReaderOptions& opt, SourceUnits& units, const Sink& sink) {
  LineReader in(path);
  units.length = "Ang";
  const std::string ekey = opt.energy_key_or("energy");
  const std::string fkey = opt.forces_key_or("forces");
  std::string line;
  std::int64_t frame = 0;
  while (in.next(line)) {
    if (trim(line).empty()) continue;
    const std::string where = "frame " + std::to_string(frame) + " (line " + std::to_string(in.line_no()) + ")";
    auto fail = [&](const std::string& what) -> void { throw input_error(path, where + ": " + what); };
    long natoms = 0;
    try {
      natoms = parse_long(trim(line));
    } catch (const std::exception&) {
      fail("expected an atom count, got '" + trim(line) + "'");
    }
    if (natoms <= 0) fail("atom count " + std::to_string(natoms));
    std::string comment;
    if (!in.next(comment)) fail("truncated: no comment line");
    auto kv = parse_comment(comment);
    apply_unit_hints(kv, units, frame == 0, fail);
    const std::vector<Column> cols = parse_properties(kv, fail);
    const AtomColumns columns = find_columns(cols, fkey, fail);

    Conformer c;
    c.record = where;
    c.energy = std::numeric_limits<double>::quiet_NaN();
    read_frame_values(kv, ekey, c, fail);
    for (long a = 0; a < natoms; ++a) {
      if (!in.next(line)) fail("truncated: " + std::to_string(a) + " of " + std::to_string(natoms) + " atom lines");
      read_atom_line(line, in.line_no(), columns, c, fail);
    }
    ++frame;
    sink(std::move(c));
  }
}

}  // namespace labkit::qo2mol_pack
