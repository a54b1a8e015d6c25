// Streaming passes over shard files in blocks of conformers: the reference-energy fit and the dataset
// statistics. Memory is one block (~1 M atoms) at a time.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "reference_energy.h"

namespace labkit::qo2mol_pack {

struct Block {
  std::int64_t first_conformer = 0;        // global number of the block's first conformer
  std::vector<std::int64_t> atom_offset;   // block-relative, size n+1
  std::vector<std::uint8_t> z;
  std::vector<double> energy;
  std::vector<float> positions, forces;    // filled only when asked for
  std::vector<std::uint8_t> has_forces;
  std::size_t size() const { return energy.size(); }
};

// Calls fn for consecutive blocks of every shard in order; global numbering continues across shards.
void for_each_block(const std::vector<std::string>& shard_paths, bool with_atoms_xyz,
                    const std::function<void(const Block&)>& fn, std::int64_t atoms_per_block = 1 << 20);

// Fit on the conformers whose label (conformer_label[g]) equals `label`.
ReferenceEnergies fit_reference(const std::vector<std::string>& shard_paths,
                                const std::vector<std::int8_t>& conformer_label, int label);

// Counts, element histogram, energy and per-atom energy moments, force RMS/max, residuals after the
// reference energies per split label.
nlohmann::json compute_stats(const std::vector<std::string>& shard_paths, const std::vector<std::int8_t>& conformer_label,
                             const ReferenceEnergies& ref, const std::vector<std::int32_t>& heavy_per_molecule);

}  // namespace labkit::qo2mol_pack
