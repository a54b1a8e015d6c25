// qo2mol-pack: molecular conformer datasets into sharded, indexed HDF5 (see README.md).
//   qo2mol-pack pack INPUT... --out DIR [--shard i/N]    one shard
//   qo2mol-pack merge SHARD_DIR... --out DIR --seed S    index.h5, splits, reference energies, manifest
//   qo2mol-pack verify|inspect|stats DATASET              DATASET = merged dir or its index.h5
//   qo2mol-pack export DATASET OUT.xyz [--split random --label test]
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "export.h"
#include "inspect.h"
#include "labkit/core/atomic_file.h"
#include "labkit/core/error.h"
#include "labkit/core/tool.h"
#include "labkit/tensorio/h5.h"
#include "labkit/molpack/layout.h"
#include "merge.h"
#include "pack.h"
#include "shard_writer.h"
#include "labkit/molpack/dataset_reader.h"
#include "stats.h"
#include "verify.h"

using namespace labkit;
using namespace labkit::qo2mol;
using labkit::molpack::DatasetReader;

int main(int argc, char** argv) {
  Tool tool({"qo2mol-pack", "Molecular conformer datasets (QO2Mol pickles, extxyz, SDF, ASE SQLite, SPICE HDF5) "
                            "into sharded, indexed HDF5 with molecule-level splits",
             nlohmann::json::object(), false, /*uses_shard=*/true});
  CLI::App& app = tool.app();
  app.require_subcommand(1);

  // pack
  PackOptions po;
  std::string energy_unit = "auto", elements_text;
  bool no_unit_check = false, no_md5 = false;
  auto* pack_cmd = app.add_subcommand("pack", "Read inputs and write this job's shard (--shard i/N) into --out");
  pack_cmd->fallthrough();
  pack_cmd->add_option("inputs", po.inputs, "Input files: .pkl (QO2Mol), .xyz/.extxyz, .sdf/.mol, .db (ASE), .h5 (SPICE)")
      ->required()->check(CLI::ExistingFile);
  pack_cmd->add_option("--energy-unit", energy_unit, "Energy unit of the inputs: auto, eV, Ha, kcal/mol, kJ/mol, meV");
  pack_cmd->add_option("--length-unit", po.input.length_unit, "Length unit override: Ang, Bohr, nm");
  pack_cmd->add_option("--force-unit", po.input.force_unit, "Force unit of every input, e.g. Ha/Bohr, kcal/mol/Ang (overrides the files)");
  pack_cmd->add_option("--force-length", po.input.force_length,
                       "Inputs that state no force unit have forces in <their energy unit>/this: Ang, Bohr, nm")
      ->check(CLI::IsMember({"Ang", "Bohr", "nm"}));
  pack_cmd->add_option("--energy-key", po.input.reader.energy_key, "Property holding the total energy");
  pack_cmd->add_option("--forces-key", po.input.reader.forces_key, "Property holding the forces");
  pack_cmd->add_flag("--no-unit-check", no_unit_check,
                     "Skip the free-atom energy check (semi-empirical or relative energies); needs --energy-unit");
  pack_cmd->add_flag("--no-md5", no_md5, "Skip the MD5 check of inputs named like QO2Mol release files");
  pack_cmd->add_option("--elements", elements_text, "Declared element set: 'qo2mol', 'any', or symbols H,C,N,O");
  pack_cmd->add_option("--duplicates", po.duplicates, "Duplicate conformers: drop, keep or error")
      ->check(CLI::IsMember({"drop", "keep", "error"}));
  pack_cmd->add_option("--duplicate-tolerance", po.duplicate_tolerance, "Coordinate grid (Ang) for duplicates");
  pack_cmd->add_option("--gzip", po.storage.gzip, "Deflate level for the arrays (0 = none)")->check(CLI::Range(0, 9));
  pack_cmd->add_option("--atom-chunk", po.storage.atom_chunk, "Rows per HDF5 chunk of the per-atom arrays")
      ->check(CLI::PositiveNumber);
  pack_cmd->add_option("--conformer-chunk", po.storage.conformer_chunk, "Rows per chunk of the per-conformer arrays")
      ->check(CLI::PositiveNumber);

  // merge
  MergeOptions mo;
  std::string manifest_copy;
  auto* merge_cmd = app.add_subcommand("merge", "Check shards, write index.h5 with splits, reference energies, stats");
  merge_cmd->fallthrough();
  merge_cmd->add_option("shards", mo.inputs, "Shard files or pack output directories")->required();
  merge_cmd->add_option("--train", mo.fractions.train, "Fraction of molecules in train");
  merge_cmd->add_option("--val", mo.fractions.val, "Fraction of molecules in val");
  merge_cmd->add_option("--test", mo.fractions.test, "Fraction of molecules in test");
  merge_cmd->add_option("--ood-min-heavy", mo.ood_min_heavy, "Molecules with at least this many heavy atoms are OOD");
  merge_cmd->add_option("--ood-fraction", mo.ood_fraction, "Without --ood-min-heavy: OOD = largest ~fraction");
  merge_cmd->add_option("--name", mo.dataset_name, "Dataset name in the index and manifest");
  merge_cmd->add_option("--manifest", manifest_copy, "Also write the sha256 manifest here (e.g. data-manifests/x.json)");
  // Refused while parsing, before --out is opened and config.json written into it.
  merge_cmd->callback([&] {
    if (auto* out = app.get_option("--out"); out->count() > 0) {
      try {
        check_out_apart_from_inputs(mo.inputs, out->as<std::string>());
      } catch (const InputError& e) {
        throw CLI::ValidationError(e.what());
      }
    }
  });

  std::string dataset, export_path, verify_elements;
  bool json_out = false;
  int show = 5;
  ExportOptions eo;
  auto* verify_cmd = app.add_subcommand("verify", "Check checksums, counts, offsets, NaN/inf, elements, splits");
  verify_cmd->fallthrough();
  verify_cmd->add_option("dataset", dataset, "Merged directory or its index.h5")->required();
  verify_cmd->add_option("--elements", verify_elements, "Element set to enforce: 'qo2mol', 'any', or symbols");
  auto* inspect_cmd = app.add_subcommand("inspect", "Show layout, counts, units, splits, first conformers");
  inspect_cmd->fallthrough();
  inspect_cmd->add_option("dataset", dataset, "Merged directory or its index.h5")->required();
  inspect_cmd->add_flag("--json", json_out, "Print JSON instead of text");
  inspect_cmd->add_option("--conformers", show, "How many conformers to list");
  auto* stats_cmd = app.add_subcommand("stats", "Dataset statistics (JSON on stdout)");
  stats_cmd->fallthrough();
  stats_cmd->add_option("dataset", dataset, "Merged directory or its index.h5")->required();
  auto* export_cmd = app.add_subcommand("export", "Write conformers back to extended XYZ");
  export_cmd->fallthrough();
  export_cmd->add_option("dataset", dataset, "Merged directory or its index.h5")->required();
  export_cmd->add_option("output", export_path, "Output .xyz file")->required();
  export_cmd->add_option("--split", eo.split, "Split to export: random or ood_heavy_atoms");
  export_cmd->add_option("--label", eo.label, "Split label: train, val, test, ood");
  export_cmd->add_option("--limit", eo.limit, "At most this many conformers");

  const int rc = tool.main(argc, argv, [&](Run& run) {
   try {
    if (app.got_subcommand(pack_cmd)) {
      po.input.energy_unit = energy_unit;
      po.input.unit_check = !no_unit_check;
      po.check_md5 = !no_md5;
      if (no_unit_check && energy_unit == "auto") throw InputError("--no-unit-check needs --energy-unit");
      po.input.elements = parse_element_set(elements_text);
      po.shard = run.shard();
      const std::string path = run.out().file(shard_file_name(po.shard));
      run.metrics() = pack(po, path, run.force());
    } else if (app.got_subcommand(merge_cmd)) {
      mo.seed = run.seed();
      run.metrics() = merge(mo, run.out().path());
      if (!manifest_copy.empty()) write_file_atomically(manifest_copy, run.metrics()["manifest"].dump(2) + "\n");
    } else if (app.got_subcommand(verify_cmd)) {
      run.metrics() = verify_dataset(dataset, parse_element_set(verify_elements));
      std::cout << run.metrics().dump(2) << "\n";
    } else if (app.got_subcommand(inspect_cmd)) {
      auto info = inspect_dataset(dataset, show);
      if (json_out) std::cout << info.dump(2) << "\n";
      else std::cout << inspect_text(info);
      run.metrics() = {{"conformers", info["conformers"]}, {"molecules", info["molecules"]}};
    } else if (app.got_subcommand(stats_cmd)) {
      DatasetReader ds(dataset);
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
      run.metrics() = compute_stats(ds.shard_paths(), label, ref, heavy);
      std::cout << run.metrics().dump(2) << "\n";
    } else if (app.got_subcommand(export_cmd)) {
      if (!eo.split.empty() && eo.label.empty()) throw InputError("--split needs --label");
      DatasetReader ds(dataset);
      const auto n = export_extxyz(ds, export_path, eo);
      run.metrics() = {{"exported", n}, {"output", export_path}};
      std::fprintf(stderr, "exported %lld conformers to %s\n", static_cast<long long>(n), export_path.c_str());
    }
   } catch (const H5::Exception& e) {
    // HDF5's exceptions are not std::exceptions: a full disk used to terminate the process. Every writer
    // has been unwound by now (temporary files removed); report one line and exit 1.
    throw std::runtime_error("HDF5 failed in " + e.getFuncName() + ": " + e.getDetailMsg() +
                             (run.has_out() ? " (writing into " + run.out().path() + ": disk full or not writable?)" : ""));
   }
  });
  if (ShardWriter::any_abandoned()) {  // see ShardWriter::any_abandoned
    std::fflush(stdout);
    std::fflush(stderr);
    std::_Exit(rc);
  }
  return rc;
}
