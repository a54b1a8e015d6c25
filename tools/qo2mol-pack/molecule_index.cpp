#include "molecule_index.h"

#include <functional>

#include "molecule_key.h"

namespace labkit::qo2mol_pack {

MoleculeIndex::Hit MoleculeIndex::find_or_add(const std::string& key, const std::string& formula) {
  const std::uint64_t h = hash_string(key), check = std::hash<std::string>{}(key), fh = hash_string(formula);
  auto known = [&](const Entry& e) { return Hit{e.row, false, e.formula != fh}; };
  const auto [it, inserted] = by_hash_.emplace(h, Entry{rows_, check, fh});
  if (inserted) return {rows_++, true, false};
  if (it->second.check == check) return known(it->second);
  const auto [ot, fresh] = overflow_.emplace(key, Entry{rows_, check, fh});  // FNV collision: exact key
  if (fresh) return {rows_++, true, false};
  return known(ot->second);
}

}  // namespace labkit::qo2mol_pack
