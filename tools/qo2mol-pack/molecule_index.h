// Molecule key -> row of the shard's molecule table, while packing. The table's rows themselves
// (key, formula, heavy atoms) stream into the shard as molecules first appear; this keeps only two
// 64-bit hashes of the key and one of the formula per molecule (~60 bytes with the hash table), not
// the strings, so memory grows with molecules, not conformers, and slowly.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>

namespace labkit::qo2mol_pack {

class MoleculeIndex {
 public:
  struct Hit {
    std::int64_t row = -1;
    bool fresh = false;            // first conformer of this molecule: the caller adds the row
    bool formula_differs = false;  // known molecule, but not the formula it had before
  };
  Hit find_or_add(const std::string& key, const std::string& formula);
  std::int64_t size() const { return rows_; }

 private:
  struct Entry {
    std::int64_t row;
    std::uint64_t check, formula;
  };
  // Keyed by FNV-1a of the key; `check` is an independent hash (std::hash) of it. Two keys that share
  // the FNV hash but not `check` are told apart through `overflow_`, which holds the full key string.
  // Two different keys equal in both 64-bit hashes (chance ~M^2 / 2^129) would be merged.
  std::unordered_map<std::uint64_t, Entry> by_hash_;
  std::unordered_map<std::string, Entry> overflow_;
  std::int64_t rows_ = 0;
};

}  // namespace labkit::qo2mol_pack
