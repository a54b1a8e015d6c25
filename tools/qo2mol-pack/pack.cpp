#include "pack.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <unistd.h>

#include "dedup.h"
#include "labkit/core/error.h"
#include "labkit/core/log.h"
#include "labkit/core/progress.h"
#include "labkit/molpack/layout.h"
#include "release_checksums.h"
#include "splits.h"
#include "molecule_index.h"
#include "molecule_key.h"
#include "temporaries.h"

namespace labkit::qo2mol_pack {
using namespace molpack;  // the file layout, its HDF5 helpers and the reader (libs/molpack)


std::string shard_file_name(const Shard& shard) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "shard-%05d-of-%05d.h5", shard.index, shard.count);
  return buf;
}

int shard_of(const std::string& molecule_key, int shard_count) {
  return static_cast<int>(hash_string(molecule_key) % static_cast<std::uint64_t>(shard_count));
}

double peak_rss_mib() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  return 0.0;
}

namespace {

// What the reading step hands to the finishing step.
struct PackState {
  std::int64_t read = 0, other_shards = 0;
  nlohmann::json inputs = nlohmann::json::array();
};

// QO2Mol's FAQ: most problems are corrupt downloads. Release files are checked before reading; returns
// the checked sum, or null when the file is not a release file (or checks are off).
nlohmann::json check_release_md5(const std::string& path, bool check) {
  const std::string base = std::filesystem::path(path).filename().string();
  if (!check || published_release_md5(base, "").empty()) return nullptr;
  const std::string got = md5_file(path);
  const std::string want = published_release_md5(base, got);
  if (got != want)
    throw input_error(path, "MD5 " + got + " differs from the published " + want + " for " + base +
                                " (corrupt or partial download; --no-md5 to skip the check)");
  return got;
}

// Reads every input, streaming this shard's conformers into the writer.
void read_inputs(const PackOptions& opt, ShardWriter& writer, Deduplicator& dedup, PackState& st) {
  // Progress: conformers read (all inputs; the total is not known before reading).
  Progress progress("pack", 0, "conformers");
  // Per molecule only hashes are kept (molecule_index.h); its row streams into the shard. Nothing is
  // kept per conformer.
  MoleculeIndex mol_index;
  for (std::size_t source = 0; source < opt.inputs.size(); ++source) {
    const std::string& path = opt.inputs[source];
    const nlohmann::json md5 = check_release_md5(path, opt.check_md5);
    auto rep = read_input(path, opt.input, [&](PackedConformer&& c) {
      if ((++st.read & 1023) == 0) progress.set(st.read);  // a clock read per 1024 conformers, not per one
      if (shard_of(c.molecule_key, opt.shard.count) != opt.shard.index) {
        ++st.other_shards;
        return;
      }
      // Whether it repeats an earlier conformer is known after the last input (dedup.h); until then
      // every conformer is written.
      dedup.add(c, writer.conformers(), static_cast<std::int32_t>(source));
      const std::vector<std::int32_t> z(c.z.begin(), c.z.end());
      const std::string formula = hill_formula(z);
      const auto hit = mol_index.find_or_add(c.molecule_key, formula);
      if (hit.fresh) writer.add_molecule(c.molecule_key, formula, heavy_atom_count(z));
      if (hit.formula_differs)
        throw input_error(path, c.record + ": molecule " + c.molecule_key + " has formula " + formula + " here but " +
                                    writer.molecule_formula(hit.row) + " in an earlier conformer");
      writer.add(c, hit.row, static_cast<std::int32_t>(source));
    });
    st.inputs.push_back({{"path", rep.path}, {"format", rep.format}, {"conformers", rep.conformers},
                         {"energy_unit", rep.energy_unit}, {"energy_unit_basis", rep.energy_unit_basis},
                         {"length_unit", rep.length_unit}, {"force_unit", rep.force_unit},
                         {"force_unit_basis", rep.force_unit_basis},
                         {"median_energy_over_free_atom_sum", rep.median_ratio},
                         {"bytes", static_cast<std::int64_t>(std::filesystem::file_size(path))},
                         {"md5_checked", md5},
                         {"upstream_split", split_label_name(upstream_split_of(path))}});
    log::info("{}: {} conformers ({}, energy unit {}: {}; force unit {}: {})", path, rep.conformers, rep.format,
              rep.energy_unit, rep.energy_unit_basis, rep.force_unit.empty() ? "-" : rep.force_unit,
              rep.force_unit.empty() ? "no forces" : rep.force_unit_basis);
  }
  progress.set(st.read);
  progress.finish();
}

// Duplicates resolved by policy, the shard's tables and attributes written, the file renamed into place.
nlohmann::json finish_shard(const PackOptions& opt, ShardWriter& writer, Deduplicator& dedup, const PackState& st) {
  nlohmann::json attrs{{"format", layout::kShardFormat},
                       {"format_version", layout::kFormatVersion},
                       {"shard_index", opt.shard.index},
                       {"shard_count", opt.shard.count},
                       {"energy_unit", "eV"},
                       {"length_unit", "Ang"},
                       {"force_unit", "eV/Ang"},
                       {"sources", st.inputs.dump()}};
  const std::int64_t candidates = static_cast<std::int64_t>(dedup.candidates());
  const auto dups = dedup.resolve();
  double max_dup_gap = 0.0;
  std::vector<std::int64_t> drop;
  for (const auto& d : dups) {
    if (opt.duplicates == "error")
      throw input_error(opt.inputs[static_cast<std::size_t>(d.source)],
                        d.record + ": duplicate conformer of molecule " + d.molecule_key + " (same coordinates within " +
                            std::to_string(opt.duplicate_tolerance) + " Ang)");
    max_dup_gap = std::max(max_dup_gap, d.energy_gap);
    if (opt.duplicates == "drop") drop.push_back(d.index);
  }
  writer.finish(attrs, drop);
  return {{"conformers_written", writer.conformers()},
          {"atoms_written", writer.atoms()},
          {"molecules", writer.molecules()},
          {"duplicates_found", static_cast<std::int64_t>(dups.size())},
          {"duplicates_policy", opt.duplicates},
          {"duplicates_max_energy_gap_eV", max_dup_gap},
          {"duplicate_candidates", candidates}};  // Bloom-filter hits checked against the spilled fingerprints
}

}  // namespace

nlohmann::json pack(const PackOptions& opt, const std::string& shard_path, bool overwrite) {
  if (std::filesystem::exists(shard_path) && !overwrite)
    throw input_error(shard_path, "shard " + opt.shard.str() + " was already written (use --force to replace it)");
  if (opt.duplicates != "drop" && opt.duplicates != "keep" && opt.duplicates != "error")
    throw InputError("--duplicates must be drop, keep or error");
  const auto t0 = std::chrono::steady_clock::now();
  const std::filesystem::path sp(shard_path);
  const auto stale = remove_stale_temporaries(sp.parent_path().string());
  ShardWriter writer(shard_path, opt.storage);
  // Fingerprints spill beside the shard (hidden, removed when done); see dedup.h.
  Deduplicator dedup(opt.duplicate_tolerance,
                     (sp.parent_path() / ("." + sp.filename().string() + ".fingerprints." + std::to_string(::getpid())))
                         .string());
  PackState st;
  nlohmann::json out;
  try {
    read_inputs(opt, writer, dedup, st);
    out = finish_shard(opt, writer, dedup, st);
  } catch (const H5::Exception& e) {
    // HDF5's exceptions are no std::exception (a full disk used to terminate the process), and closing
    // a file after a failed write can crash HDF5: drop the temporary file unclosed, report one line.
    writer.abandon();
    throw std::runtime_error(shard_path + ": HDF5 failed in " + e.getFuncName() + ": " + e.getDetailMsg() +
                             " (disk full or not writable?)");
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::int64_t input_bytes = 0;
  for (const auto& i : st.inputs) input_bytes += i["bytes"].get<std::int64_t>();
  out.update({{"shard", opt.shard.str()},
              {"shard_file", shard_path},
              {"conformers_read", st.read},
              {"conformers_in_other_shards", st.other_shards},
              {"inputs", st.inputs},
              {"input_bytes", input_bytes},
              {"shard_bytes", static_cast<std::int64_t>(std::filesystem::file_size(shard_path))},
              {"seconds", secs},
              {"conformers_per_second", secs > 0 ? static_cast<double>(st.read) / secs : 0.0},
              {"peak_rss_mib", peak_rss_mib()},
              {"stale_temporaries_removed", stale}});
  return out;
}

}  // namespace labkit::qo2mol_pack
