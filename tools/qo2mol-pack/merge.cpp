#include "merge.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <unordered_map>

#include "elements.h"
#include "labkit/tensorio/h5_append.h"
#include "labkit/core/atomic_file.h"
#include "labkit/core/error.h"
#include "labkit/core/log.h"
#include "labkit/tensorio/h5.h"
#include "labkit/molpack/layout.h"
#include "digest.h"
#include "shard_writer.h"
#include "stats.h"
#include "temporaries.h"

namespace labkit::qo2mol_pack {
using namespace tensorio;  // H5File, safetensors and dtypes (libs/tensorio)
using namespace molpack;  // the file layout, its HDF5 helpers and the reader (libs/molpack)

namespace fs = std::filesystem;

std::vector<std::string> collect_shards(const std::vector<std::string>& inputs) {
  std::vector<std::string> out;
  for (const auto& in : inputs) {
    if (fs::is_directory(in)) {
      std::vector<std::string> found;
      for (const auto& e : fs::directory_iterator(in)) {
        const auto name = e.path().filename().string();
        if (name.rfind("shard-", 0) == 0 && e.path().extension() == ".h5") found.push_back(e.path().string());
      }
      if (found.empty()) throw input_error(in, "directory holds no shard-*.h5 files");
      std::sort(found.begin(), found.end());
      out.insert(out.end(), found.begin(), found.end());
    } else if (fs::exists(in)) {
      out.push_back(in);
    } else {
      throw input_error(in, "no such shard file or directory");
    }
  }
  return out;
}

void check_out_apart_from_inputs(const std::vector<std::string>& inputs, const std::string& out_dir) {
  std::error_code ec;
  const fs::path out = fs::weakly_canonical(fs::absolute(out_dir), ec);
  auto inside = [](const fs::path& a, const fs::path& b) {  // a is b or below it
    auto ai = a.begin(), bi = b.begin();
    for (; bi != b.end(); ++ai, ++bi)
      if (ai == a.end() || *ai != *bi) return false;
    return true;
  };
  for (const auto& in : inputs) {
    const fs::path p = fs::weakly_canonical(fs::absolute(in), ec);
    if (inside(p, out) || inside(out, p))
      throw input_error(out_dir, "--out overlaps the input " + in +
                                     " (merging into an input would replace its shards); choose another --out");
  }
}

namespace {

// Each shard index of one pack exactly once, none missing: index -> file.
std::map<int, std::string> shards_by_index(const std::vector<std::string>& files) {
  int count = -1;
  std::map<int, std::string> by_index;
  for (const auto& f : files) {
    H5File h = H5File::open_read(f);
    const auto fmt = attribute_string(h, "/", "format");
    if (!fmt || *fmt != layout::kShardFormat) throw input_error(f, "not a qo2mol-pack shard");
    const auto idx = attribute_int64(h, "/", "shard_index"), cnt = attribute_int64(h, "/", "shard_count");
    if (!idx || !cnt) throw input_error(f, "shard lacks shard_index/shard_count attributes");
    if (count >= 0 && *cnt != count)
      throw input_error(f, "is shard " + std::to_string(*idx) + "/" + std::to_string(*cnt) + " but other shards are of " +
                               std::to_string(count));
    count = static_cast<int>(*cnt);
    auto [it, fresh] = by_index.emplace(static_cast<int>(*idx), f);
    if (!fresh)
      throw input_error(f, "shard " + std::to_string(*idx) + "/" + std::to_string(count) + " given twice (also " +
                               it->second + ")");
  }
  std::string missing;
  for (int i = 0; i < count; ++i)
    if (!by_index.count(i)) missing += (missing.empty() ? "" : ",") + std::to_string(i);
  if (!missing.empty())
    throw InputError("merge: shards " + missing + " of " + std::to_string(count) + " are missing");
  return by_index;
}

// Every shard must come from the same pack command (same inputs in the same order): the conformer
// source numbers and the upstream split depend on it. Returns the `sources` attribute (parsed) and sets
// the input paths in `source_paths`.
nlohmann::json common_sources(const std::vector<std::string>& shards, std::vector<std::string>& source_paths) {
  nlohmann::json sources = nlohmann::json::array();
  for (std::size_t s = 0; s < shards.size(); ++s) {
    H5File h = H5File::open_read(shards[s]);
    const auto parsed = nlohmann::json::parse(attribute_string(h, "/", "sources").value_or("[]"), nullptr, false);
    std::vector<std::string> paths;
    if (parsed.is_array())
      for (const auto& src : parsed) paths.push_back(src.value("path", ""));
    if (s == 0) {
      sources = parsed;
      source_paths = paths;
    } else if (paths != source_paths) {
      throw input_error(shards[s], "was packed from other inputs than " + shards[0] +
                                       " (every shard of a dataset must come from the same pack command)");
    }
  }
  return sources;
}

// Brings the shards next to the index (hard links keep it free on one filesystem); sets local names/paths.
void link_shards(const std::vector<std::string>& shards, const std::string& out_dir, std::vector<std::string>& names,
                 std::vector<std::string>& paths) {
  for (const auto& f : shards) {
    const std::string name = fs::path(f).filename().string();
    const fs::path dst = fs::path(out_dir) / name;
    if (fs::exists(dst)) fs::remove(dst);
    std::error_code ec;
    fs::create_hard_link(f, dst, ec);
    if (ec) fs::copy_file(f, dst, fs::copy_options::overwrite_existing);
    names.push_back(name);
    paths.push_back(dst.string());
  }
}

// The global molecule and conformer tables over all shards, plus each shard's sha256.
struct GlobalTables {
  std::vector<std::string> keys, formulas, sha;
  std::vector<std::int32_t> heavy;
  std::vector<std::int64_t> shard_conf_offset{0}, conf_molecule, mol_conf_offset{0}, mol_conformers;
};

GlobalTables gather_tables(const std::vector<std::string>& paths) {
  GlobalTables t;
  std::unordered_map<std::string, std::string> key_shard;
  for (const auto& p : paths) {
    H5File h = H5File::open_read(p);
    const auto k = read_strings(h.handle(), layout::kMolKey);
    const auto fo = read_strings(h.handle(), layout::kMolFormula);
    const auto hv = read_array<std::int32_t>(h, layout::kMolHeavy);
    const auto off = read_array<std::int64_t>(h, layout::kMolConfOffset);
    const auto grouped = read_array<std::int64_t>(h, layout::kMolConformers);
    const auto cm = read_array<std::int64_t>(h, layout::kConfMolecule);
    const auto mol_base = static_cast<std::int64_t>(t.keys.size());
    const std::int64_t conf_base = t.shard_conf_offset.back();
    for (std::size_t m = 0; m < k.size(); ++m) {
      auto [it, fresh] = key_shard.emplace(k[m], p);
      if (!fresh)
        throw input_error(p, "molecule " + k[m] + " is also in " + it->second +
                                 " (shards packed from different inputs or shard counts?)");
      t.keys.push_back(k[m]);
      t.formulas.push_back(fo[m]);
      t.heavy.push_back(hv[m]);
      for (auto c = off[m]; c < off[m + 1]; ++c) t.mol_conformers.push_back(conf_base + grouped[static_cast<std::size_t>(c)]);
      t.mol_conf_offset.push_back(static_cast<std::int64_t>(t.mol_conformers.size()));
    }
    for (auto m : cm) t.conf_molecule.push_back(mol_base + m);
    t.shard_conf_offset.push_back(conf_base + static_cast<std::int64_t>(cm.size()));
    t.sha.push_back(sha256_file(p));
  }
  return t;
}

// QO2Mol v1.3 ships Train/Test/OOD files: that partition as a split of its own, by molecule (empty when
// no input is a labelled release file). A molecule whose conformers sit in two differently labelled
// files is "mixed" (an upstream leak).
std::vector<std::int8_t> upstream_split(const std::vector<std::string>& source_paths,
                                        const std::vector<std::string>& shard_paths, const GlobalTables& t) {
  std::vector<int> source_label;
  bool any_upstream = false;
  for (const auto& p : source_paths) {
    source_label.push_back(upstream_split_of(p));
    any_upstream = any_upstream || source_label.back() != kUnlabelled;
  }
  std::vector<std::int8_t> split;
  if (!any_upstream) return split;
  std::vector<int> lab(t.keys.size(), -100);
  std::int64_t g = 0;
  for (const auto& p : shard_paths) {
    H5File h = H5File::open_read(p);
    for (auto src : read_array<std::int32_t>(h, layout::kConfSource)) {
      const int l = src >= 0 && static_cast<std::size_t>(src) < source_label.size() ? source_label[static_cast<std::size_t>(src)] : kUnlabelled;
      int& m = lab[static_cast<std::size_t>(t.conf_molecule[static_cast<std::size_t>(g++)])];
      m = m == -100 ? l : (m == l ? m : kMixed);
    }
  }
  for (int l : lab) split.push_back(static_cast<std::int8_t>(l));
  return split;
}

struct Splits {
  std::vector<std::int8_t> random, ood, upstream;
  int ood_min = 0;
};

void fill_index(H5File& idx, const MergeOptions& opt, const std::vector<std::string>& shard_names,
                const GlobalTables& t, const Splits& sp, const ReferenceEnergies& ref, const nlohmann::json& stats);

// index.h5, written under a temporary name and renamed into place by commit().
void write_index(const std::string& index_path, const MergeOptions& opt, const std::vector<std::string>& shard_names,
                 const GlobalTables& t, const Splits& sp, const ReferenceEnergies& ref, const nlohmann::json& stats) {
  H5File idx = H5File::create(index_path);
  try {
    fill_index(idx, opt, shard_names, t, sp, ref, stats);
  } catch (const H5::Exception& e) {
    // A failed write (disk full): closing the file now can crash HDF5 1.10 (SIGSEGV in H5F__close), so
    // the temporary is removed unclosed, and the message is one line.
    idx.abandon();
    throw std::runtime_error(index_path + ": HDF5 failed in " + e.getFuncName() + ": " + e.getDetailMsg() +
                             " (disk full or not writable?)");
  } catch (...) {
    idx.abandon();
    throw;
  }
  try {
    idx.commit();  // the close flushes the metadata: where a full disk usually shows
  } catch (const std::exception&) {
    throw std::runtime_error(index_path + ": HDF5 could not finish writing the file (disk full or not writable?)");
  }
}

void fill_index(H5File& idx, const MergeOptions& opt, const std::vector<std::string>& shard_names,
                const GlobalTables& t, const Splits& sp, const ReferenceEnergies& ref, const nlohmann::json& stats) {
  auto& h = idx.handle();
  write_strings(h, layout::kShardFile, shard_names);
  write_strings(h, layout::kShardSha256, t.sha);
  write_vector(h, layout::kShardConfOffset, t.shard_conf_offset);
  write_strings(h, layout::kMolKey, t.keys);
  write_strings(h, layout::kMolFormula, t.formulas);
  write_vector(h, layout::kMolHeavy, t.heavy);
  write_vector(h, layout::kMolConfOffset, t.mol_conf_offset);
  write_vector(h, layout::kMolConformers, t.mol_conformers);
  write_vector(h, layout::kConfMolecule, t.conf_molecule);
  write_vector(h, layout::kSplitRandom, sp.random);
  write_vector(h, layout::kSplitOod, sp.ood);
  set_attribute(idx, layout::kSplitRandom, "labels", "0=train,1=val,2=test");
  set_attribute(idx, layout::kSplitRandom, "seed", static_cast<std::int64_t>(opt.seed));
  set_attribute(idx, layout::kSplitRandom, "fractions",
                std::vector<double>{opt.fractions.train, opt.fractions.val, opt.fractions.test});
  set_attribute(idx, layout::kSplitOod, "labels", "0=train,1=val,2=test,3=ood");
  set_attribute(idx, layout::kSplitOod, "min_heavy_atoms", static_cast<std::int64_t>(sp.ood_min));
  set_attribute(idx, layout::kSplitOod, "seed", static_cast<std::int64_t>(opt.seed));
  if (!sp.upstream.empty()) {
    write_vector(h, layout::kSplitUpstream, sp.upstream);
    set_attribute(idx, layout::kSplitUpstream, "labels",
                  "0=train,2=test,4=ood_medium,5=ood_large,-1=unlabelled,-2=mixed (conformers in two labelled files)");
    set_attribute(idx, layout::kSplitUpstream, "units", "1");
  }
  std::vector<std::int32_t> rz(ref.z.begin(), ref.z.end());
  write_vector(h, layout::kRefZ, rz);
  write_vector(h, layout::kRefEnergy, ref.energy);
  set_attribute(idx, layout::kRefEnergy, "units", "eV");
  for (const char* name : {layout::kShardConfOffset, layout::kMolHeavy, layout::kMolConfOffset, layout::kMolConformers,
                           layout::kConfMolecule, layout::kSplitRandom, layout::kSplitOod, layout::kRefZ})
    set_attribute(idx, name, "units", "1");
  set_attribute(idx, "/reference_energy", "fitted_on", "splits/random == train");
  set_attribute(idx, "/reference_energy", "conformers", ref.conformers);
  set_attribute(idx, "/reference_energy", "rank", static_cast<std::int64_t>(ref.rank));
  write_root_attributes(idx, {{"format", layout::kIndexFormat},
                              {"format_version", layout::kFormatVersion},
                              {"name", opt.dataset_name},
                              {"n_shards", static_cast<std::int64_t>(shard_names.size())},
                              {"n_conformers", static_cast<std::int64_t>(t.conf_molecule.size())},
                              {"n_molecules", static_cast<std::int64_t>(t.keys.size())},
                              {"n_atoms", stats["atoms"].get<std::int64_t>()},
                              {"energy_unit", "eV"},
                              {"length_unit", "Ang"},
                              {"force_unit", "eV/Ang"},
                              {"stats", stats.dump()}});
}

// manifest.json: every file with its sha256 and size, plus the inputs.
nlohmann::json write_manifest(const std::string& out_dir, const MergeOptions& opt, const nlohmann::json& sources,
                              const std::vector<std::string>& names, const std::vector<std::string>& paths,
                              const GlobalTables& t, const std::string& index_path) {
  nlohmann::json files = nlohmann::json::array();
  for (std::size_t s = 0; s < names.size(); ++s)
    files.push_back({{"path", names[s]}, {"sha256", t.sha[s]}, {"bytes", static_cast<std::int64_t>(fs::file_size(paths[s]))}});
  files.push_back({{"path", "index.h5"}, {"sha256", sha256_file(index_path)},
                   {"bytes", static_cast<std::int64_t>(fs::file_size(index_path))}});
  nlohmann::json manifest{{"name", opt.dataset_name},
                          {"sources", sources},
                          {"split_seed", opt.seed},
                          {"tool", "qo2mol-pack"},
                          {"format", layout::kIndexFormat},
                          {"format_version", layout::kFormatVersion},
                          {"conformers", static_cast<std::int64_t>(t.conf_molecule.size())},
                          {"molecules", static_cast<std::int64_t>(t.keys.size())},
                          {"files", files}};
  write_file_atomically((fs::path(out_dir) / "manifest.json").string(), manifest.dump(2) + "\n");
  return manifest;
}

std::map<std::string, std::int64_t> label_counts(const std::vector<std::int8_t>& labels) {
  std::map<std::string, std::int64_t> n;
  for (auto l : labels) ++n[split_label_name(l)];
  return n;
}

// The merge after the shards are linked into out_dir: tables, splits, reference fit, index and manifest.
nlohmann::json merge_linked(const MergeOptions& opt, const std::string& out_dir, const nlohmann::json& sources,
                            const std::vector<std::string>& source_paths, const std::vector<std::string>& names,
                            const std::vector<std::string>& paths) {
  const GlobalTables t = gather_tables(paths);

  Splits sp;  // by molecule, never by conformer
  sp.random = random_split(t.keys, opt.fractions, opt.seed);
  sp.ood_min = opt.ood_min_heavy > 0 ? opt.ood_min_heavy : ood_threshold(t.heavy, opt.ood_fraction);
  sp.ood = ood_split(t.keys, t.heavy, sp.ood_min, opt.fractions, opt.seed);
  sp.upstream = upstream_split(source_paths, paths, t);
  std::vector<std::int8_t> conf_label(t.conf_molecule.size());
  for (std::size_t g = 0; g < t.conf_molecule.size(); ++g) conf_label[g] = sp.random[static_cast<std::size_t>(t.conf_molecule[g])];
  const auto ref = fit_reference(paths, conf_label, kTrain);
  const auto stats = compute_stats(paths, conf_label, ref, t.heavy);

  const std::string index_path = (fs::path(out_dir) / "index.h5").string();
  write_index(index_path, opt, names, t, sp, ref, stats);
  const auto manifest = write_manifest(out_dir, opt, sources, names, paths, t, index_path);

  nlohmann::json refj = nlohmann::json::object();
  for (std::size_t k = 0; k < ref.z.size(); ++k) refj[element_symbol(ref.z[k])] = ref.energy[k];
  return {{"shards", static_cast<std::int64_t>(names.size())},
          {"conformers", static_cast<std::int64_t>(t.conf_molecule.size())},
          {"molecules", static_cast<std::int64_t>(t.keys.size())},
          {"split_random_molecules", label_counts(sp.random)},
          {"split_ood_molecules", label_counts(sp.ood)},
          {"split_upstream_molecules", label_counts(sp.upstream)},
          {"ood_min_heavy_atoms", sp.ood_min},
          {"reference_energies_eV", refj},
          {"reference_fit_rank", ref.rank},
          {"stats", stats},
          {"manifest", manifest}};
}

}  // namespace

nlohmann::json merge(const MergeOptions& opt, const std::string& out_dir) {
  // Everything that can be checked is checked before anything is written.
  check_fractions(opt.fractions);
  if (!(opt.ood_fraction >= 0 && opt.ood_fraction <= 1))
    throw InputError("--ood-fraction: " + std::to_string(opt.ood_fraction) + " is not in 0..1");
  check_out_apart_from_inputs(opt.inputs, out_dir);
  std::vector<std::string> shards;
  for (const auto& [i, f] : shards_by_index(collect_shards(opt.inputs))) shards.push_back(f);
  std::vector<std::string> source_paths;
  const auto sources = common_sources(shards, source_paths);

  remove_stale_temporaries(out_dir);
  std::vector<std::string> names, paths;
  try {
    link_shards(shards, out_dir, names, paths);
    return merge_linked(opt, out_dir, sources, source_paths, names, paths);
  } catch (...) {
    // Nothing under a final name after a failure (a full disk while writing index.h5): the shard links,
    // index.h5 and manifest.json this run made are removed.
    std::error_code ec;
    for (const auto& p : paths) fs::remove(p, ec);
    for (const char* f : {"index.h5", "manifest.json"}) fs::remove(fs::path(out_dir) / f, ec);
    throw;
  }
}

}  // namespace labkit::qo2mol_pack
