// A small molpack dataset written straight from known values (tensorio's write_array for numbers,
// molpack's write_strings for string tables), so the reader is checked against what was put in,
// not against another reader. 2 shards, 5 molecules; molecule m has m+1 conformers of 2+m atoms;
// conformers of a molecule are interleaved with others inside a shard.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace molpack_test {

struct Conf {
  std::int64_t global = 0, molecule = 0;
  double energy = 0.0;
  float charge = 0.0f;
  bool has_forces = false;
  std::vector<std::uint8_t> z;
  std::vector<float> pos, forces;
};

struct Synthetic {
  std::string dir;                                // holds index.h5 and the shard files
  std::vector<Conf> conformers;                   // by global number
  std::vector<std::vector<std::int64_t>> of_mol;  // global conformers of each molecule, ascending
  std::vector<std::string> keys, formulas;
  std::vector<std::int32_t> heavy;
  std::vector<std::int8_t> random_split, ood_split;
};

// Writes the dataset into a fresh directory under the system temp dir (`atom_chunk` rows per chunk).
Synthetic write_synthetic(const std::string& tag, std::int64_t atom_chunk = 4);

}  // namespace molpack_test
