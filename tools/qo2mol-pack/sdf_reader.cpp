// SDF / MOL (V2000): header, counts line, atom block, bond block, "M  END", then data items
// "> <name>" followed by value lines up to a blank line; records end with "$$$$". Bonds from the bond
// block feed the molecule key; <energy> is required, <forces> (3N numbers) and <InChIKey> are optional.
#include <cmath>
#include <fstream>
#include <limits>
#include <map>

#include "elements.h"
#include "labkit/core/error.h"
#include "readers.h"
#include "text_util.h"

namespace labkit::qo2mol_pack {

void read_sdf(const std::string& path, const ReaderOptions& opt, SourceUnits& units, const Sink& sink) {
  std::ifstream in(path);
  if (!in) throw input_error(path, "cannot open");
  units.length = "Ang";
  const std::string ekey = opt.energy_key_or("energy");
  const std::string fkey = opt.forces_key_or("forces");
  std::string line;
  long line_no = 0;
  std::int64_t rec = 0;
  auto next = [&](std::string& l) {
    if (!std::getline(in, l)) return false;
    ++line_no;
    if (!l.empty() && l.back() == '\r') l.pop_back();
    return true;
  };
  while (true) {
    std::string title;
    if (!next(title)) break;
    if (trim(title).empty() && in.peek() == EOF) break;
    const std::string where = "record " + std::to_string(rec) + " (line " + std::to_string(line_no) + ")";
    auto fail = [&](const std::string& what) { throw input_error(path, where + ": " + what); };
    std::string l2, l3, counts;
    if (!next(l2) || !next(l3) || !next(counts)) fail("truncated header");
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
    for (int a = 0; a < natoms; ++a) {
      if (!next(line)) fail("truncated atom block");
      const auto tok = split_ws(line);
      if (tok.size() < 4) fail("line " + std::to_string(line_no) + ": atom line has " + std::to_string(tok.size()) + " fields");
      try {
        for (int d = 0; d < 3; ++d) c.positions.push_back(parse_double(tok[static_cast<std::size_t>(d)]));
      } catch (const std::invalid_argument& e) {
        fail("line " + std::to_string(line_no) + ": " + e.what());
      }
      const int z = atomic_number(tok[3]);
      if (!z) fail("line " + std::to_string(line_no) + ": unknown element '" + tok[3] + "'");
      c.z.push_back(z);
      // Charge code in column 7 (mol format): 1..7 -> +3..-3, 4 = doublet radical.
      if (tok.size() > 5) {
        static const int code_to_charge[] = {0, 3, 2, 1, 0, -1, -2, -3};
        const long code = std::strtol(tok[5].c_str(), nullptr, 10);
        c.formal_charges.push_back(code >= 0 && code <= 7 ? code_to_charge[code] : 0);
      }
    }
    for (int b = 0; b < nbonds; ++b) {
      if (!next(line)) fail("truncated bond block");
      if (line.size() < 6) fail("line " + std::to_string(line_no) + ": short bond line");
      const int i = std::atoi(line.substr(0, 3).c_str()) - 1, j = std::atoi(line.substr(3, 3).c_str()) - 1;
      if (i < 0 || j < 0 || i >= natoms || j >= natoms) fail("line " + std::to_string(line_no) + ": bond to a missing atom");
      c.bonds.emplace_back(i, j);
    }
    std::map<std::string, std::string> data;
    bool ended = false;
    while (next(line)) {
      if (line.rfind("M  CHG", 0) == 0) {  // overrides charges from the atom block
        const auto tok = split_ws(line);
        c.formal_charges.assign(c.z.size(), 0);
        for (std::size_t k = 3; k + 1 < tok.size(); k += 2) {
          const long a = std::strtol(tok[k].c_str(), nullptr, 10) - 1;
          if (a >= 0 && a < natoms) c.formal_charges[static_cast<std::size_t>(a)] = static_cast<int>(std::strtol(tok[k + 1].c_str(), nullptr, 10));
        }
      }
      if (line.rfind("$$$$", 0) == 0) {
        ended = true;
        break;
      }
      if (!line.empty() && line[0] == '>') {
        const auto lt = line.find('<'), gt = line.find('>', lt == std::string::npos ? 1 : lt);
        if (lt == std::string::npos || gt == std::string::npos) continue;
        const std::string name = line.substr(lt + 1, gt - lt - 1);
        std::string value;
        while (next(line) && !trim(line).empty()) value += line + "\n";
        data[name] = value;
      }
    }
    if (!ended && in.eof() && !data.empty()) {
      // A single MOL/SDF record without the trailing $$$$ is accepted.
    }
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
    ++rec;
    sink(std::move(c));
  }
}

}  // namespace labkit::qo2mol_pack
