#include "verify.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <unordered_map>

#include "elements.h"
#include "labkit/tensorio/h5_append.h"
#include "labkit/core/error.h"
#include "labkit/tensorio/h5.h"
#include "labkit/molpack/layout.h"
#include "molecule_key.h"
#include "digest.h"
#include "splits.h"
#include "stats.h"

namespace labkit::qo2mol_pack {
using namespace tensorio;  // H5File, safetensors and dtypes (libs/tensorio)
using namespace molpack;  // the file layout, its HDF5 helpers and the reader (libs/molpack)

namespace fs = std::filesystem;

namespace {

// The index's tables, read once.
struct IndexTables {
  std::vector<std::string> files, sums, keys;
  std::vector<std::int64_t> conf_off, mol_off, mol_conf, conf_mol;
  std::vector<std::int32_t> heavy;
  std::vector<std::int8_t> split_random, split_ood, split_upstream;
  std::int64_t ood_min = 0, C = 0, M = 0;
  bool has_upstream = false;
};

IndexTables read_index(const std::string& index_path) {
  H5File idx = H5File::open_read(index_path);
  const auto fmt = attribute_string(idx, "/", "format");
  if (!fmt || *fmt != layout::kIndexFormat) throw input_error(index_path, "not a qo2mol-pack index");
  IndexTables t;
  t.files = read_strings(idx.handle(), layout::kShardFile);
  t.sums = read_strings(idx.handle(), layout::kShardSha256);
  t.conf_off = read_array<std::int64_t>(idx, layout::kShardConfOffset);
  t.keys = read_strings(idx.handle(), layout::kMolKey);
  t.heavy = read_array<std::int32_t>(idx, layout::kMolHeavy);
  t.mol_off = read_array<std::int64_t>(idx, layout::kMolConfOffset);
  t.mol_conf = read_array<std::int64_t>(idx, layout::kMolConformers);
  t.conf_mol = read_array<std::int64_t>(idx, layout::kConfMolecule);
  t.split_random = read_array<std::int8_t>(idx, layout::kSplitRandom);
  t.split_ood = read_array<std::int8_t>(idx, layout::kSplitOod);
  t.ood_min = attribute_int64(idx, layout::kSplitOod, "min_heavy_atoms").value_or(0);
  t.has_upstream = idx.handle().nameExists(layout::kSplitUpstream);
  if (t.has_upstream) t.split_upstream = read_array<std::int8_t>(idx, layout::kSplitUpstream);
  t.C = t.conf_off.empty() ? 0 : t.conf_off.back();
  t.M = static_cast<std::int64_t>(t.keys.size());
  return t;
}

// Collects problems (at most `max` listed, the rest counted) over the named checks.
class Verifier {
 public:
  Verifier(const IndexTables& t, fs::path dir, std::int64_t max) : t_(t), dir_(std::move(dir)), max_(max) {
    for (const auto& f : t_.files) paths_.push_back((dir_ / f).string());
  }

  // 1. Checksums: the index's table, and manifest.json when present.
  bool checksums() {
    const auto before = found();
    for (std::size_t s = 0; s < t_.files.size(); ++s) {
      if (!fs::exists(paths_[s])) {
        problem(t_.files[s] + ": missing");
        continue;
      }
      const std::string got = sha256_file(paths_[s]);
      if (s < t_.sums.size() && got != t_.sums[s])
        problem(t_.files[s] + ": sha256 " + got + " differs from the index's " + t_.sums[s]);
    }
    if (fs::exists(dir_ / "manifest.json")) {
      std::ifstream in(dir_ / "manifest.json");
      const auto man = nlohmann::json::parse(in, nullptr, false);
      if (man.is_discarded()) problem("manifest.json is not valid JSON");
      else
        for (const auto& f : man.value("files", nlohmann::json::array())) {
          const fs::path p = dir_ / f.value("path", "");
          if (!fs::exists(p)) problem("manifest lists missing file " + f.value("path", ""));
          else if (sha256_file(p.string()) != f.value("sha256", "")) problem(f.value("path", "") + ": sha256 differs from manifest.json");
        }
    }
    return found() == before;
  }

  // 2a. Per-shard structure: offsets, row counts, units attributes.
  bool structure() {
    const auto before = found();
    for (std::size_t s = 0; s < paths_.size(); ++s) {
      H5File f = H5File::open_read(paths_[s]);
      const auto off = read_array<std::int64_t>(f, layout::kAtomOffset);
      const auto nc = static_cast<std::int64_t>(off.size()) - 1;
      const std::string& name = t_.files[s];
      if (nc != t_.conf_off[s + 1] - t_.conf_off[s])
        problem(name + ": " + std::to_string(nc) + " conformers, index says " + std::to_string(t_.conf_off[s + 1] - t_.conf_off[s]));
      if (off.empty() || off[0] != 0) problem(name + ": atom_offset does not start at 0");
      for (std::size_t k = 1; k < off.size(); ++k)
        if (off[k] <= off[k - 1]) {
          problem(name + ": atom_offset not increasing at conformer " + std::to_string(k - 1));
          break;
        }
      const std::int64_t A = off.empty() ? 0 : off.back();
      for (const char* d : {layout::kZ, layout::kPositions, layout::kForces, layout::kFormalCharge})
        if (array_info(f, d).shape[0] != A) problem(name + ": " + d + " has " + std::to_string(array_info(f, d).shape[0]) + " rows, offsets need " + std::to_string(A));
      for (const char* d : {layout::kEnergy, layout::kNetCharge, layout::kHasForces, layout::kConfMolecule})
        if (array_info(f, d).shape[0] != nc) problem(name + ": " + d + " has " + std::to_string(array_info(f, d).shape[0]) + " rows for " + std::to_string(nc) + " conformers");
      for (const char* d : {layout::kZ, layout::kPositions, layout::kForces, layout::kFormalCharge, layout::kAtomOffset,
                            layout::kEnergy, layout::kNetCharge, layout::kHasForces, layout::kConfMolecule})
        if (!units(f, d)) problem(name + ": " + d + " has no units attribute");
    }
    return found() == before;
  }

  // 2b. Values: energies not infinite (NaN is "no energy", written only by pack --geometry-only),
  // coordinates and forces finite, elements in the set. Sets the two check results.
  void values(const std::vector<int>& elements, bool& finite, bool& element_set) {
    std::int64_t nonfinite = 0, bad_elements = 0;
    for_each_block(paths_, true, [&](const Block& b) {
      for (std::size_t k = 0; k < b.size(); ++k) {
        const auto g = std::to_string(b.first_conformer + static_cast<std::int64_t>(k));
        if (std::isinf(b.energy[k])) ++nonfinite, problem("conformer " + g + ": energy is infinite");
        for (auto a = b.atom_offset[k]; a < b.atom_offset[k + 1]; ++a) {
          const auto z = b.z[static_cast<std::size_t>(a)];
          if (z < 1 || z > kMaxZ || (!elements.empty() && !std::binary_search(elements.begin(), elements.end(), int(z))))
            ++bad_elements, problem("conformer " + g + ": element Z=" + std::to_string(z) + " outside the element set");
          for (int d = 0; d < 3; ++d)
            if (!std::isfinite(b.positions[static_cast<std::size_t>(3 * a + d)]) || !std::isfinite(b.forces[static_cast<std::size_t>(3 * a + d)])) {
              ++nonfinite, problem("conformer " + g + ": non-finite coordinate or force");
              break;
            }
        }
      }
    });
    finite = nonfinite == 0;
    element_set = bad_elements == 0;
  }

  // 3. Molecule table: every conformer in exactly one molecule, agreeing with conformers/molecule; keys unique.
  bool molecule_table() {
    const auto before = found();
    bool sized = true;
    if (static_cast<std::int64_t>(t_.conf_mol.size()) != t_.C) problem("conformers/molecule has wrong length"), sized = false;
    if (t_.mol_off.size() != static_cast<std::size_t>(t_.M + 1) || t_.mol_off.back() != t_.C)
      problem("molecule conformer offsets do not cover every conformer"), sized = false;
    if (sized) {
      std::vector<char> seen(static_cast<std::size_t>(t_.C), 0);
      for (std::int64_t m = 0; m < t_.M; ++m)
        for (auto k = t_.mol_off[static_cast<std::size_t>(m)]; k < t_.mol_off[static_cast<std::size_t>(m + 1)]; ++k) {
          const auto g = t_.mol_conf[static_cast<std::size_t>(k)];
          if (g < 0 || g >= t_.C || seen[static_cast<std::size_t>(g)]++ || t_.conf_mol[static_cast<std::size_t>(g)] != m)
            problem("molecule " + t_.keys[static_cast<std::size_t>(m)] + " lists conformer " + std::to_string(g) + " wrongly");
        }
    }
    std::unordered_map<std::string, std::int64_t> key_count;
    for (const auto& k : t_.keys)
      if (++key_count[k] == 2) problem("molecule key " + k + " appears twice");
    return found() == before;
  }

  // 4. Splits: one label per molecule key (so no key on two sides), labels in range, OOD by size.
  bool splits() {
    const auto before = found();
    const auto M = t_.M;
    if (static_cast<std::int64_t>(t_.split_random.size()) != M || static_cast<std::int64_t>(t_.split_ood.size()) != M ||
        (t_.has_upstream && static_cast<std::int64_t>(t_.split_upstream.size()) != M))
      return problem("split arrays do not have one label per molecule"), false;
    for (std::size_t m = 0; m < static_cast<std::size_t>(M); ++m) {
      const auto r = t_.split_random[m], o = t_.split_ood[m];
      if (r < 0 || r > 2) problem("random split label " + std::to_string(r) + " for " + t_.keys[m]);
      if (o < 0 || o > 3 || ((o == kOod) != (t_.heavy[m] >= t_.ood_min)))
        problem("ood split label of " + t_.keys[m] + " disagrees with its heavy-atom count");
    }
    return found() == before;
  }

  // {"ok", "problems", "problems_left_out"}: the same shape whether or not anything was found.
  void report(nlohmann::json& result) const {
    result["ok"] = found() == 0;
    result["problems"] = problems_;
    result["problems_left_out"] = left_out_;
  }

 private:
  void problem(const std::string& p) {
    if (static_cast<std::int64_t>(problems_.size()) < max_) problems_.push_back(p);
    else ++left_out_;
  }
  std::int64_t found() const { return static_cast<std::int64_t>(problems_.size()) + left_out_; }

  const IndexTables& t_;
  fs::path dir_;
  std::int64_t max_;
  std::vector<std::string> paths_, problems_;
  std::int64_t left_out_ = 0;  // problems found past max_
};

}  // namespace

nlohmann::json verify_dataset(const std::string& dataset, const std::vector<int>& elements, std::int64_t max_problems) {
  const std::string index_path = fs::is_directory(dataset) ? (fs::path(dataset) / "index.h5").string() : dataset;
  const IndexTables t = read_index(index_path);
  Verifier v(t, fs::path(index_path).parent_path(), max_problems);
  nlohmann::json result{{"dataset", index_path}};
  nlohmann::json checks = nlohmann::json::object();
  checks["checksums"] = v.checksums();
  if (checks["checksums"]) {  // otherwise the files are not the ones indexed: their contents tell nothing more
    checks["offsets_and_counts"] = v.structure();
    bool finite = false, element_set = false;
    if (checks["offsets_and_counts"]) v.values(elements, finite, element_set);
    checks["finite_values"] = finite;
    checks["element_set"] = element_set;
    const bool table = v.molecule_table();
    checks["molecule_table"] = table;
    checks["split_disjoint_by_molecule"] = v.splits() && table;
    nlohmann::json notes = nlohmann::json::object();
    if (t.has_upstream)  // not an error of the packed files: the upstream release itself shares these molecules
      notes["upstream_mixed_molecules"] = std::count(t.split_upstream.begin(), t.split_upstream.end(), std::int8_t{kMixed});
    result.update({{"notes", notes}, {"conformers", t.C}, {"molecules", t.M}, {"shards", static_cast<std::int64_t>(t.files.size())}});
  }
  result["checks"] = checks;
  v.report(result);
  return result;
}

}  // namespace labkit::qo2mol_pack
