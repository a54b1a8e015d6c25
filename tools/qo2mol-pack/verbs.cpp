#include "verbs.h"

#include <H5Cpp.h>
#include <sqlite3.h>

#include "inspect.h"
#include "labkit/core/atomic_file.h"
#include "labkit/core/error.h"
#include "labkit/core/log.h"
#include "labkit/molpack/dataset_reader.h"
#include "stats.h"
#include "verify.h"

namespace labkit::qo2mol_pack {

labkit::VersionList linked_versions() {
  unsigned maj = 0, min = 0, rel = 0;
  H5get_libversion(&maj, &min, &rel);
  return {{"HDF5", std::to_string(maj) + "." + std::to_string(min) + "." + std::to_string(rel)},
          {"SQLite", sqlite3_libversion()}};
}

void run_pack(labkit::Run& run, const Settings& s, const std::vector<std::string>& inputs) {
  PackOptions po = s.pack;
  po.inputs = inputs;
  po.shard = run.shard();
  run.metrics() = pack(po, run.out().file(shard_file_name(po.shard)), run.force());
  const auto& m = run.metrics();
  run.summary()
      .add("shard", m["shard"])
      .add("conformers read", m["conformers_read"])
      .add("conformers in this shard", m["conformers_written"])
      .add("molecules", m["molecules"])
      .add("duplicates", m["duplicates_found"])
      .add("rate", m["conformers_per_second"], "conformers/s");
  std::vector<std::vector<nlohmann::json>> rows;
  for (const auto& in : m["inputs"])
    rows.push_back({in["path"], in["format"], in["conformers"], in["energy_unit"],
                    in["force_unit"].get<std::string>().empty() ? nlohmann::json("-") : in["force_unit"]});
  run.summary().add_table("inputs", {"file", "format", "conformers", "energy unit", "force unit"}, rows);
}

void run_merge(labkit::Run& run, const Settings& s, const std::vector<std::string>& inputs,
               const std::string& manifest_copy) {
  MergeOptions mo = s.merge;
  mo.inputs = inputs;
  mo.seed = run.seed();
  run.metrics() = merge(mo, run.out().path());
  if (!manifest_copy.empty()) write_file_atomically(manifest_copy, run.metrics()["manifest"].dump(2) + "\n");
  const auto& m = run.metrics();
  run.summary().add("shards", m["shards"]).add("conformers", m["conformers"]).add("molecules", m["molecules"])
      .add("OOD from heavy atoms", m["ood_min_heavy_atoms"]);
  std::vector<std::vector<nlohmann::json>> rows;
  for (const char* split : {"split_random_molecules", "split_ood_molecules", "split_upstream_molecules"}) {
    const auto& c = m[split];
    if (c.empty()) continue;
    rows.push_back({std::string(split).substr(6, std::string(split).size() - 16), c.value("train", 0), c.value("val", 0),
                    c.value("test", 0), c.value("ood", 0) + c.value("ood_medium", 0) + c.value("ood_large", 0)});
  }
  run.summary().add_table("molecules per split", {"split", "train", "val", "test", "ood"}, rows);
}

void run_verify(labkit::Run& run, const Settings& s, const std::string& dataset) {
  run.metrics() = verify_dataset(dataset, s.verify_elements, s.verify_max_problems);
  const auto& m = run.metrics();
  // Always {"ok", "problems", "problems_left_out"} on stdout (the whole report with --json).
  run.summary().add_text(nlohmann::json{{"ok", m["ok"]}, {"problems", m["problems"]},
                                        {"problems_left_out", m["problems_left_out"]}}.dump(2));
  if (!m["ok"].get<bool>())
    run.defer_input_error(m["dataset"].get<std::string>() + ": verify found " +
                          std::to_string(m["problems"].size() + m["problems_left_out"].get<std::size_t>()) +
                          " problem(s); first: " + m["problems"][0].get<std::string>());
}

void run_inspect(labkit::Run& run, const Settings& s, const std::string& dataset) {
  const auto info = inspect_dataset(dataset, static_cast<int>(s.inspect_conformers));
  run.metrics() = info;
  run.summary().add_text(inspect_text(info));
}

nlohmann::json dataset_stats(const std::string& dataset) {
  molpack::DatasetReader ds(dataset);
  std::vector<std::int8_t> label(static_cast<std::size_t>(ds.num_conformers()));
  const auto mol_labels = ds.split_labels("random");
  for (std::int64_t g = 0; g < ds.num_conformers(); ++g)
    label[static_cast<std::size_t>(g)] = mol_labels[static_cast<std::size_t>(ds.molecule_of(g))];
  ReferenceEnergies ref;
  for (auto [z, e] : ds.reference_energies()) {
    ref.z.push_back(z);
    ref.energy.push_back(e);
  }
  std::vector<std::int32_t> heavy;
  for (std::int64_t m = 0; m < ds.num_molecules(); ++m) heavy.push_back(ds.molecule(m).heavy_atoms);
  return compute_stats(ds.shard_paths(), label, ref, heavy);
}

void run_stats(labkit::Run& run, const std::string& dataset) {
  run.metrics() = dataset_stats(dataset);
  run.summary().add_text(run.metrics().dump(2));  // the statistics are JSON either way
}

void run_export(labkit::Run& run, const Settings& s, const std::string& dataset) {
  const std::string output = run.out().file("conformers.xyz");  // InputError without --out, before reading
  molpack::DatasetReader ds(dataset);
  const auto n = export_extxyz(ds, output, s.export_options);
  run.metrics() = {{"exported", n}, {"output", output}};
  log::info("exported {} conformers to {}", n, output);
  run.summary().add("exported", n, "conformers").add("output", output);
}

}  // namespace labkit::qo2mol_pack
