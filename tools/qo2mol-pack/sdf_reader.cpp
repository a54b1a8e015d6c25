// SDF / MOL (V2000): header, counts line, atom block, bond block, "M  END", then data items
// "> <name>" followed by value lines up to a blank line; records end with "$$$$". Bonds from the bond
// block feed the molecule key; <energy> is required, <forces> (3N numbers) and <InChIKey> are optional.
#include <cmath>
#include <functional>
#include <limits>
#include <map>

#include "elements.h"
#include "labkit/core/error.h"
#include "readers.h"
#include "text_util.h"

namespace labkit::qo2mol_pack {

namespace {

using Fail = std::function<void(const std::string&)>;

// The atom block: positions, elements, and formal charges from the mol charge code where present.
void read_atom_block(LineReader& in, int natoms, Conformer& c, const Fail& fail) {
  std::string line;
  for (int a = 0; a < natoms; ++a) {
    if (!in.next(line)) fail("truncated atom block");
    const std::string at_line = "line " + std::to_string(in.line_no());
    const auto tok = split_ws(line);
    if (tok.size() < 4) fail(at_line + ": atom line has " + std::to_string(tok.size()) + " fields");
    try {
      for (int d = 0; d < 3; ++d) c.positions.push_back(parse_double(tok[static_cast<std::size_t>(d)]));
    } catch (const std::invalid_argument& e) {
      fail(at_line + ": " + e.what());
    }
    const int z = atomic_number(tok[3]);
    if (!z) fail(at_line + ": unknown element '" + tok[3] + "'");
    c.z.push_back(z);
    // Charge code in column 7 (mol format): 1..7 -> +3..-3, 4 = doublet radical.
    if (tok.size() > 5) {
      static const int code_to_charge[] = {0, 3, 2, 1, 0, -1, -2, -3};
      const long code = std::strtol(tok[5].c_str(), nullptr, 10);
      c.formal_charges.push_back(code >= 0 && code <= 7 ? code_to_charge[code] : 0);
    }
  }
}

void read_bond_block(LineReader& in, int natoms, int nbonds, Conformer& c, const Fail& fail) {
  std::string line;
  for (int b = 0; b < nbonds; ++b) {
    if (!in.next(line)) fail("truncated bond block");
    const std::string at_line = "line " + std::to_string(in.line_no());
    if (line.size() < 6) fail(at_line + ": short bond line");
    const int i = std::atoi(line.substr(0, 3).c_str()) - 1, j = std::atoi(line.substr(3, 3).c_str()) - 1;
    if (i < 0 || j < 0 || i >= natoms || j >= natoms) fail(at_line + ": bond to a missing atom");
    c.bonds.emplace_back(i, j);
  }
}

// After the bond block up to "$$$$" (or the end of a single MOL record without it): "M  CHG" lines,
// which override the atom block's charges, and data items "> <name>" with their value lines.
std::map<std::string, std::string> read_properties_and_data(LineReader& in, int natoms, Conformer& c) {
  std::map<std::string, std::string> data;
  std::string line;
  while (in.next(line)) {
    if (line.rfind("M  CHG", 0) == 0) {
      const auto tok = split_ws(line);
      c.formal_charges.assign(c.z.size(), 0);
      for (std::size_t k = 3; k + 1 < tok.size(); k += 2) {
        const long a = std::strtol(tok[k].c_str(), nullptr, 10) - 1;
        if (a >= 0 && a < natoms) c.formal_charges[static_cast<std::size_t>(a)] = static_cast<int>(std::strtol(tok[k + 1].c_str(), nullptr, 10));
      }
    }
    if (line.rfind("$$$$", 0) == 0) break;
    if (!line.empty() && line[0] == '>') {
      const auto lt = line.find('<'), gt = line.find('>', lt == std::string::npos ? 1 : lt);
      if (lt == std::string::npos || gt == std::string::npos) continue;
      const std::string name = line.substr(lt + 1, gt - lt - 1);
      std::string value;
      while (in.next(line) && !trim(line).empty()) value += line + "\n";
      data[name] = value;
    }
  }
  return data;
}

// Molecule key, energy, forces and net charge from the data items (net charge falls back to the sum
// of formal charges).
void apply_data_items(std::map<std::string, std::string>& data, const std::string& ekey, const std::string& fkey,
                      Conformer& c, const Fail& fail) {
  for (const char* k : {"InChIKey", "inchikey", "INCHIKEY"})
    if (data.count(k)) c.molecule_key = trim(data[k]);
  try {
    if (data.count(ekey)) c.energy = parse_double(trim(data[ekey]));
    if (data.count(fkey))
      for (const auto& t : split_ws(data[fkey])) c.forces.push_back(parse_double(t));
    if (data.count("charge")) c.net_charge = parse_double(trim(data["charge"]));
    else if (!c.formal_charges.empty()) {
      double q = 0;
      for (int v : c.formal_charges) q += v;
      c.net_charge = q;
    }
  } catch (const std::invalid_argument& e) {
    fail(std::string("data field: ") + e.what());
  }
}

}  // namespace

void read_sdf(const std::string& path, const ReaderOptions& opt, SourceUnits& units, const Sink& sink) {
  LineReader in(path);
  units.length = "Ang";
  const std::string ekey = opt.energy_key_or("energy");
  const std::string fkey = opt.forces_key_or("forces");
  std::int64_t rec = 0;
  while (true) {
    std::string title;
    if (!in.next(title)) break;
    if (trim(title).empty() && in.at_end()) break;
    const std::string where = "record " + std::to_string(rec) + " (line " + std::to_string(in.line_no()) + ")";
    auto fail = [&](const std::string& what) { throw input_error(path, where + ": " + what); };
    std::string l2, l3, counts;
    if (!in.next(l2) || !in.next(l3) || !in.next(counts)) fail("truncated header");
    if (counts.find("V3000") != std::string::npos) fail("V3000 molfiles are not supported");
    int natoms = 0, nbonds = 0;
    try {
      natoms = static_cast<int>(parse_long(trim(counts.substr(0, 3))));
      nbonds = static_cast<int>(parse_long(trim(counts.substr(3, 3))));
    } catch (const std::exception&) {
      fail("bad counts line '" + counts + "'");
    }
    Conformer c;
    c.record = where;
    c.conformer_id = trim(title);
    c.energy = std::numeric_limits<double>::quiet_NaN();
    read_atom_block(in, natoms, c, fail);
    read_bond_block(in, natoms, nbonds, c, fail);
    auto data = read_properties_and_data(in, natoms, c);
    apply_data_items(data, ekey, fkey, c, fail);
    ++rec;
    sink(std::move(c));
  }
}

}  // namespace labkit::qo2mol_pack
