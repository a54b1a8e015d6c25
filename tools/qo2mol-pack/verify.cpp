#include "verify.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <unordered_map>

#include "elements.h"
#include "labkit/molpack/h5_util.h"
#include "labkit/core/error.h"
#include "labkit/tensorio/h5.h"
#include "labkit/molpack/layout.h"
#include "molecule_key.h"
#include "digest.h"
#include "splits.h"
#include "stats.h"

namespace labkit::qo2mol {
using namespace molpack;  // the file layout, its HDF5 helpers and the reader (libs/molpack)

namespace fs = std::filesystem;

nlohmann::json verify_dataset(const std::string& dataset, const std::vector<int>& elements, std::int64_t max_problems) {
  const std::string index_path = fs::is_directory(dataset) ? (fs::path(dataset) / "index.h5").string() : dataset;
  const fs::path dir = fs::path(index_path).parent_path();
  std::vector<std::string> problems;
  std::int64_t left_out = 0;  // problems found past max_problems
  auto problem = [&](const std::string& p) {
    if (static_cast<std::int64_t>(problems.size()) < max_problems) problems.push_back(p);
    else ++left_out;
  };
  nlohmann::json result{{"dataset", index_path}};
  auto finish = [&]() {  // {"ok", "problems", "problems_left_out", ...} whether or not anything was found
    result["ok"] = problems.empty() && left_out == 0;
    result["problems"] = problems;
    result["problems_left_out"] = left_out;
    return result;
  };
  nlohmann::json checks = nlohmann::json::object();

  H5File idx = H5File::open_read(index_path);
  const auto fmt = attribute_string(idx, "/", "format");
  if (!fmt || *fmt != layout::kIndexFormat) throw input_error(index_path, "not a qo2mol-pack index");
  const auto files = read_strings(idx.handle(), layout::kShardFile);
  const auto sums = read_strings(idx.handle(), layout::kShardSha256);
  const auto conf_off = read_array<std::int64_t>(idx, layout::kShardConfOffset);
  const auto keys = read_strings(idx.handle(), layout::kMolKey);
  const auto heavy = read_array<std::int32_t>(idx, layout::kMolHeavy);
  const auto mol_off = read_array<std::int64_t>(idx, layout::kMolConfOffset);
  const auto mol_conf = read_array<std::int64_t>(idx, layout::kMolConformers);
  const auto conf_mol = read_array<std::int64_t>(idx, layout::kConfMolecule);
  const auto split_random = read_array<std::int8_t>(idx, layout::kSplitRandom);
  const auto split_ood = read_array<std::int8_t>(idx, layout::kSplitOod);
  const auto ood_min = attribute_int64(idx, layout::kSplitOod, "min_heavy_atoms").value_or(0);
  std::vector<std::int8_t> split_upstream;
  const bool has_upstream = idx.handle().nameExists(layout::kSplitUpstream);
  if (has_upstream) split_upstream = read_array<std::int8_t>(idx, layout::kSplitUpstream);
  const std::int64_t C = conf_off.empty() ? 0 : conf_off.back();
  const auto M = static_cast<std::int64_t>(keys.size());

  // 1. Checksums (index table, and manifest.json when present).
  std::vector<std::string> paths;
  for (std::size_t s = 0; s < files.size(); ++s) {
    const std::string p = (dir / files[s]).string();
    paths.push_back(p);
    if (!fs::exists(p)) {
      problem(files[s] + ": missing");
      continue;
    }
    const std::string got = sha256_file(p);
    if (s < sums.size() && got != sums[s]) problem(files[s] + ": sha256 " + got + " differs from the index's " + sums[s]);
  }
  if (fs::exists(dir / "manifest.json")) {
    std::ifstream in(dir / "manifest.json");
    const auto man = nlohmann::json::parse(in, nullptr, false);
    if (man.is_discarded()) {
      problem("manifest.json is not valid JSON");
    } else {
      for (const auto& f : man.value("files", nlohmann::json::array())) {
        const fs::path p = dir / f.value("path", "");
        if (!fs::exists(p)) problem("manifest lists missing file " + f.value("path", ""));
        else if (sha256_file(p.string()) != f.value("sha256", "")) problem(f.value("path", "") + ": sha256 differs from manifest.json");
      }
    }
  }
  checks["checksums"] = problems.empty();
  if (!problems.empty()) {  // the files are not the ones indexed: checking their contents tells nothing more
    result["checks"] = checks;
    return finish();
  }

  // 2. Per-shard structure and values.
  std::int64_t nonfinite = 0, bad_elements = 0;
  for (std::size_t s = 0; s < paths.size(); ++s) {
    H5File f = H5File::open_read(paths[s]);
    const auto off = read_array<std::int64_t>(f, layout::kAtomOffset);
    const auto nc = static_cast<std::int64_t>(off.size()) - 1;
    if (nc != conf_off[s + 1] - conf_off[s])
      problem(files[s] + ": " + std::to_string(nc) + " conformers, index says " + std::to_string(conf_off[s + 1] - conf_off[s]));
    if (off.empty() || off[0] != 0) problem(files[s] + ": atom_offset does not start at 0");
    for (std::size_t k = 1; k < off.size(); ++k)
      if (off[k] <= off[k - 1]) {
        problem(files[s] + ": atom_offset not increasing at conformer " + std::to_string(k - 1));
        break;
      }
    const std::int64_t A = off.empty() ? 0 : off.back();
    for (const char* name : {layout::kZ, layout::kPositions, layout::kForces, layout::kFormalCharge})
      if (array_info(f, name).shape[0] != A) problem(files[s] + ": " + name + " has " + std::to_string(array_info(f, name).shape[0]) + " rows, offsets need " + std::to_string(A));
    for (const char* name : {layout::kEnergy, layout::kNetCharge, layout::kHasForces, layout::kConfMolecule})
      if (array_info(f, name).shape[0] != nc) problem(files[s] + ": " + name + " has " + std::to_string(array_info(f, name).shape[0]) + " rows for " + std::to_string(nc) + " conformers");
    for (const char* name : {layout::kZ, layout::kPositions, layout::kForces, layout::kFormalCharge, layout::kAtomOffset,
                             layout::kEnergy, layout::kNetCharge, layout::kHasForces, layout::kConfMolecule})
      if (!units(f, name)) problem(files[s] + ": " + name + " has no units attribute");
  }
  checks["offsets_and_counts"] = problems.empty();
  if (problems.empty()) {
    for_each_block(paths, true, [&](const Block& b) {
      for (std::size_t k = 0; k < b.size(); ++k) {
        const auto g = b.first_conformer + static_cast<std::int64_t>(k);
        if (std::isinf(b.energy[k])) {  // NaN is "no energy" (written only by pack --geometry-only)
          ++nonfinite;
          problem("conformer " + std::to_string(g) + ": energy is infinite");
        }
        for (auto a = b.atom_offset[k]; a < b.atom_offset[k + 1]; ++a) {
          const auto z = b.z[static_cast<std::size_t>(a)];
          if (z < 1 || z > kMaxZ || (!elements.empty() && !std::binary_search(elements.begin(), elements.end(), int(z)))) {
            ++bad_elements;
            problem("conformer " + std::to_string(g) + ": element Z=" + std::to_string(z) + " outside the element set");
          }
          for (int d = 0; d < 3; ++d)
            if (!std::isfinite(b.positions[static_cast<std::size_t>(3 * a + d)]) || !std::isfinite(b.forces[static_cast<std::size_t>(3 * a + d)])) {
              ++nonfinite;
              problem("conformer " + std::to_string(g) + ": non-finite coordinate or force");
              break;
            }
        }
      }
    });
  }
  checks["finite_values"] = nonfinite == 0;
  checks["element_set"] = bad_elements == 0;

  // 3. Molecule table: every conformer in exactly one molecule, agreeing with conformers/molecule.
  std::int64_t table_problems = 0;
  if (static_cast<std::int64_t>(conf_mol.size()) != C) problem("conformers/molecule has wrong length"), ++table_problems;
  if (mol_off.size() != static_cast<std::size_t>(M + 1) || mol_off.back() != C) problem("molecule conformer offsets do not cover every conformer"), ++table_problems;
  if (table_problems == 0) {
    std::vector<char> seen(static_cast<std::size_t>(C), 0);
    for (std::int64_t m = 0; m < M; ++m)
      for (auto k = mol_off[static_cast<std::size_t>(m)]; k < mol_off[static_cast<std::size_t>(m + 1)]; ++k) {
        const auto g = mol_conf[static_cast<std::size_t>(k)];
        if (g < 0 || g >= C || seen[static_cast<std::size_t>(g)]++ || conf_mol[static_cast<std::size_t>(g)] != m) {
          problem("molecule " + keys[static_cast<std::size_t>(m)] + " lists conformer " + std::to_string(g) + " wrongly");
          ++table_problems;
        }
      }
  }
  std::unordered_map<std::string, std::int64_t> key_count;
  for (const auto& k : keys)
    if (++key_count[k] == 2) problem("molecule key " + k + " appears twice"), ++table_problems;
  checks["molecule_table"] = table_problems == 0;

  // 4. Splits: one label per molecule key (so no key on two sides), labels in range, OOD by size.
  std::int64_t split_problems = 0;
  if (static_cast<std::int64_t>(split_random.size()) != M || static_cast<std::int64_t>(split_ood.size()) != M ||
      (has_upstream && static_cast<std::int64_t>(split_upstream.size()) != M)) {
    problem("split arrays do not have one label per molecule");
    ++split_problems;
  } else {
    for (std::int64_t m = 0; m < M; ++m) {
      const auto r = split_random[static_cast<std::size_t>(m)], o = split_ood[static_cast<std::size_t>(m)];
      if (r < 0 || r > 2) problem("random split label " + std::to_string(r) + " for " + keys[static_cast<std::size_t>(m)]), ++split_problems;
      if (o < 0 || o > 3 || ((o == kOod) != (heavy[static_cast<std::size_t>(m)] >= ood_min)))
        problem("ood split label of " + keys[static_cast<std::size_t>(m)] + " disagrees with its heavy-atom count"), ++split_problems;
    }
  }
  checks["split_disjoint_by_molecule"] = split_problems == 0 && table_problems == 0;
  nlohmann::json notes = nlohmann::json::object();
  if (has_upstream)  // not an error of the packed files: the upstream release itself shares these molecules
    notes["upstream_mixed_molecules"] = std::count(split_upstream.begin(), split_upstream.end(), std::int8_t{kMixed});

  result.update({{"checks", checks}, {"notes", notes}, {"conformers", C}, {"molecules", M},
                 {"shards", static_cast<std::int64_t>(files.size())}});
  return finish();
}

}  // namespace labkit::qo2mol
