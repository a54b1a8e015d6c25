#include "merge.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <unordered_map>

#include "elements.h"
#include "labkit/molpack/h5_util.h"
#include "labkit/core/atomic_file.h"
#include "labkit/core/error.h"
#include "labkit/core/log.h"
#include "labkit/tensorio/h5.h"
#include "labkit/molpack/layout.h"
#include "digest.h"
#include "shard_writer.h"
#include "stats.h"
#include "temporaries.h"

namespace labkit::qo2mol {
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

nlohmann::json merge(const MergeOptions& opt, const std::string& out_dir) {
  // Everything that can be checked is checked before anything is written.
  check_fractions(opt.fractions);
  if (!(opt.ood_fraction >= 0 && opt.ood_fraction <= 1))
    throw InputError("--ood-fraction: " + std::to_string(opt.ood_fraction) + " is not in 0..1");
  check_out_apart_from_inputs(opt.inputs, out_dir);
  const auto files = collect_shards(opt.inputs);
  remove_stale_temporaries(out_dir);
  // Each shard index of one pack exactly once.
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
  std::vector<std::string> missing;
  for (int i = 0; i < count; ++i)
    if (!by_index.count(i)) missing.push_back(std::to_string(i));
  if (!missing.empty()) {
    std::string list;
    for (const auto& m : missing) list += (list.empty() ? "" : ",") + m;
    throw InputError("merge: shards " + list + " of " + std::to_string(count) + " are missing");
  }

  // Bring the shards next to the index (hard links keep it free on one filesystem).
  std::vector<std::string> local_names, local_paths;
  for (const auto& [i, f] : by_index) {
    const std::string name = fs::path(f).filename().string();
    const fs::path dst = fs::path(out_dir) / name;
    if (fs::exists(dst)) fs::remove(dst);
    std::error_code ec;
    fs::create_hard_link(f, dst, ec);
    if (ec) fs::copy_file(f, dst, fs::copy_options::overwrite_existing);
    local_names.push_back(name);
    local_paths.push_back(dst.string());
  }

  // Every shard must come from the same pack command (same inputs in the same order): the conformer
  // source numbers and the upstream split depend on it.
  nlohmann::json sources = nlohmann::json::array();
  std::vector<std::string> source_paths;
  for (std::size_t s = 0; s < local_paths.size(); ++s) {
    H5File h = H5File::open_read(local_paths[s]);
    const auto text = attribute_string(h, "/", "sources").value_or("[]");
    const auto parsed = nlohmann::json::parse(text, nullptr, false);
    std::vector<std::string> paths;
    if (parsed.is_array())
      for (const auto& src : parsed) paths.push_back(src.value("path", ""));
    if (s == 0) {
      sources = parsed;
      source_paths = paths;
    } else if (paths != source_paths) {
      throw input_error(local_paths[s], "was packed from other inputs than " + local_paths[0] +
                                            " (every shard of a dataset must come from the same pack command)");
    }
  }

  // Global tables.
  std::vector<std::string> keys, formulas, sha;
  std::vector<std::int32_t> heavy;
  std::vector<std::int64_t> shard_conf_offset{0}, conf_molecule, mol_conf_offset{0}, mol_conformers;
  std::unordered_map<std::string, std::string> key_shard;
  for (std::size_t s = 0; s < local_paths.size(); ++s) {
    const auto& p = local_paths[s];
    H5File h = H5File::open_read(p);
    const auto k = read_strings(h.handle(), layout::kMolKey);
    const auto fo = read_strings(h.handle(), layout::kMolFormula);
    const auto hv = read_array<std::int32_t>(h, layout::kMolHeavy);
    const auto off = read_array<std::int64_t>(h, layout::kMolConfOffset);
    const auto grouped = read_array<std::int64_t>(h, layout::kMolConformers);
    const auto cm = read_array<std::int64_t>(h, layout::kConfMolecule);
    const auto mol_base = static_cast<std::int64_t>(keys.size());
    const std::int64_t conf_base = shard_conf_offset.back();
    for (std::size_t m = 0; m < k.size(); ++m) {
      auto [it, fresh] = key_shard.emplace(k[m], p);
      if (!fresh)
        throw input_error(p, "molecule " + k[m] + " is also in " + it->second +
                                 " (shards packed from different inputs or shard counts?)");
      keys.push_back(k[m]);
      formulas.push_back(fo[m]);
      heavy.push_back(hv[m]);
      for (auto c = off[m]; c < off[m + 1]; ++c) mol_conformers.push_back(conf_base + grouped[static_cast<std::size_t>(c)]);
      mol_conf_offset.push_back(static_cast<std::int64_t>(mol_conformers.size()));
    }
    for (auto m : cm) conf_molecule.push_back(mol_base + m);
    shard_conf_offset.push_back(conf_base + static_cast<std::int64_t>(cm.size()));
    sha.push_back(sha256_file(p));
  }

  // Splits by molecule.
  const auto split_random = random_split(keys, opt.fractions, opt.seed);
  const int ood_min = opt.ood_min_heavy > 0 ? opt.ood_min_heavy : ood_threshold(heavy, opt.ood_fraction);
  const auto split_ood = ood_split(keys, heavy, ood_min, opt.fractions, opt.seed);
  std::vector<std::int8_t> conf_label(conf_molecule.size());
  for (std::size_t g = 0; g < conf_molecule.size(); ++g) conf_label[g] = split_random[static_cast<std::size_t>(conf_molecule[g])];

  // QO2Mol v1.3 ships Train/Test/OOD files: keep that partition as a split of its own, by molecule.
  // A molecule whose conformers sit in two differently labelled files is "mixed" (an upstream leak).
  std::vector<int> source_label;
  bool any_upstream = false;
  for (const auto& p : source_paths) {
    source_label.push_back(upstream_split_of(p));
    any_upstream = any_upstream || source_label.back() != kUnlabelled;
  }
  std::vector<std::int8_t> split_upstream;
  if (any_upstream) {
    std::vector<int> lab(keys.size(), -100);
    std::int64_t g = 0;
    for (const auto& p : local_paths) {
      H5File h = H5File::open_read(p);
      for (auto src : read_array<std::int32_t>(h, layout::kConfSource)) {
        const int l = src >= 0 && static_cast<std::size_t>(src) < source_label.size() ? source_label[static_cast<std::size_t>(src)] : kUnlabelled;
        int& m = lab[static_cast<std::size_t>(conf_molecule[static_cast<std::size_t>(g++)])];
        m = m == -100 ? l : (m == l ? m : kMixed);
      }
    }
    for (int l : lab) split_upstream.push_back(static_cast<std::int8_t>(l));
  }

  const auto ref = fit_reference(local_paths, conf_label, kTrain);
  const auto stats = compute_stats(local_paths, conf_label, ref, heavy);

  // index.h5
  const std::string index_path = (fs::path(out_dir) / "index.h5").string();
  {
    H5File idx = H5File::create(index_path);
    auto& h = idx.handle();
    const auto S = static_cast<std::int64_t>(local_names.size()), M = static_cast<std::int64_t>(keys.size()),
               C = static_cast<std::int64_t>(conf_molecule.size());
    write_strings(h, layout::kShardFile, local_names);
    write_strings(h, layout::kShardSha256, sha);
    write_vector(h, layout::kShardConfOffset, shard_conf_offset);
    write_strings(h, layout::kMolKey, keys);
    write_strings(h, layout::kMolFormula, formulas);
    write_vector(h, layout::kMolHeavy, heavy);
    write_vector(h, layout::kMolConfOffset, mol_conf_offset);
    write_vector(h, layout::kMolConformers, mol_conformers);
    write_vector(h, layout::kConfMolecule, conf_molecule);
    write_vector(h, layout::kSplitRandom, split_random);
    write_vector(h, layout::kSplitOod, split_ood);
    set_attribute(idx, layout::kSplitRandom, "labels", "0=train,1=val,2=test");
    set_attribute(idx, layout::kSplitRandom, "seed", static_cast<std::int64_t>(opt.seed));
    set_attribute(idx, layout::kSplitRandom, "fractions",
                  std::vector<double>{opt.fractions.train, opt.fractions.val, opt.fractions.test});
    set_attribute(idx, layout::kSplitOod, "labels", "0=train,1=val,2=test,3=ood");
    set_attribute(idx, layout::kSplitOod, "min_heavy_atoms", static_cast<std::int64_t>(ood_min));
    set_attribute(idx, layout::kSplitOod, "seed", static_cast<std::int64_t>(opt.seed));
    if (any_upstream) {
      write_vector(h, layout::kSplitUpstream, split_upstream);
      set_attribute(idx, layout::kSplitUpstream, "labels",
                    "0=train,2=test,4=ood_medium,5=ood_large,-1=unlabelled,-2=mixed (conformers in two labelled files)");
    }
    std::vector<std::int32_t> rz(ref.z.begin(), ref.z.end());
    write_vector(h, layout::kRefZ, rz);
    write_vector(h, layout::kRefEnergy, ref.energy);
    set_attribute(idx, layout::kRefEnergy, "units", "eV");
    for (const char* name : {layout::kShardConfOffset, layout::kMolHeavy, layout::kMolConfOffset, layout::kMolConformers,
                             layout::kConfMolecule, layout::kSplitRandom, layout::kSplitOod, layout::kRefZ})
      set_attribute(idx, name, "units", "1");
    if (any_upstream) set_attribute(idx, layout::kSplitUpstream, "units", "1");
    set_attribute(idx, "/reference_energy", "fitted_on", "splits/random == train");
    set_attribute(idx, "/reference_energy", "conformers", ref.conformers);
    set_attribute(idx, "/reference_energy", "rank", static_cast<std::int64_t>(ref.rank));
    std::int64_t atoms = stats["atoms"].get<std::int64_t>();
    write_root_attributes(idx, {{"format", layout::kIndexFormat},
                                {"format_version", layout::kFormatVersion},
                                {"name", opt.dataset_name},
                                {"n_shards", S},
                                {"n_conformers", C},
                                {"n_molecules", M},
                                {"n_atoms", atoms},
                                {"energy_unit", "eV"},
                                {"length_unit", "Ang"},
                                {"force_unit", "eV/Ang"},
                                {"stats", stats.dump()}});
    idx.commit();
  }

  // manifest.json: every file with its sha256 and size.
  nlohmann::json files_json = nlohmann::json::array();
  for (std::size_t s = 0; s < local_names.size(); ++s)
    files_json.push_back({{"path", local_names[s]}, {"sha256", sha[s]},
                          {"bytes", static_cast<std::int64_t>(fs::file_size(local_paths[s]))}});
  files_json.push_back({{"path", "index.h5"}, {"sha256", sha256_file(index_path)},
                        {"bytes", static_cast<std::int64_t>(fs::file_size(index_path))}});
  nlohmann::json manifest{{"name", opt.dataset_name},
                          {"sources", sources},
                          {"split_seed", opt.seed},
                          {"tool", "qo2mol-pack"},
                          {"format", layout::kIndexFormat},
                          {"format_version", layout::kFormatVersion},
                          {"conformers", static_cast<std::int64_t>(conf_molecule.size())},
                          {"molecules", static_cast<std::int64_t>(keys.size())},
                          {"files", files_json}};
  write_file_atomically((fs::path(out_dir) / "manifest.json").string(), manifest.dump(2) + "\n");

  std::map<std::string, std::int64_t> sizes_random, sizes_ood;
  for (auto l : split_random) ++sizes_random[split_label_name(l)];
  for (auto l : split_ood) ++sizes_ood[split_label_name(l)];
  std::map<std::string, std::int64_t> sizes_upstream;
  for (auto l : split_upstream) ++sizes_upstream[split_label_name(l)];
  nlohmann::json refj = nlohmann::json::object();
  for (std::size_t k = 0; k < ref.z.size(); ++k) refj[element_symbol(ref.z[k])] = ref.energy[k];
  return {{"shards", static_cast<std::int64_t>(local_names.size())},
          {"conformers", static_cast<std::int64_t>(conf_molecule.size())},
          {"molecules", static_cast<std::int64_t>(keys.size())},
          {"split_random_molecules", sizes_random},
          {"split_ood_molecules", sizes_ood},
          {"split_upstream_molecules", sizes_upstream},
          {"ood_min_heavy_atoms", ood_min},
          {"reference_energies_eV", refj},
          {"reference_fit_rank", ref.rank},
          {"stats", stats},
          {"manifest", manifest}};
}

}  // namespace labkit::qo2mol
