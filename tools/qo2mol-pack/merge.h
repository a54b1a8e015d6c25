// The merge verb: check that the shards of one pack are all there exactly once, bring them into the
// output directory (hard link, else copy), and write index.h5: shard table with checksums and
// conformer offsets, the global molecule table, splits, reference energies, statistics. Also writes
// manifest.json (sha256 of every file) for data-manifests/.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "splits.h"

namespace labkit::qo2mol_pack {

// Built by Settings::from_config (settings.cpp holds the defaults; none are restated here).
struct MergeOptions {
  std::vector<std::string> inputs;  // shard files or directories holding shard-*.h5
  SplitFractions fractions;
  std::uint64_t seed = 0;
  int ood_min_heavy{};               // 0: pick from ood_fraction
  double ood_fraction{};
  std::string dataset_name;
};

// Writes into out_dir; returns metrics (counts, split sizes, reference energies, stats, manifest).
nlohmann::json merge(const MergeOptions& opt, const std::string& out_dir);

// InputError if `out_dir` is an input, lies inside one, or holds one: merging into an input would replace
// its shards by links to themselves (issue 14: a pack directory merged into itself lost its shard).
void check_out_apart_from_inputs(const std::vector<std::string>& inputs, const std::string& out_dir);

// Shard files named by `inputs` (directories expanded to their shard-*.h5), not yet checked.
std::vector<std::string> collect_shards(const std::vector<std::string>& inputs);

}  // namespace labkit::qo2mol_pack
