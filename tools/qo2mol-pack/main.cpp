// qo2mol-pack: molecular conformer datasets into sharded, indexed HDF5 (see README.md).
//   qo2mol-pack pack INPUT... --out DIR [--shard i/N]    one shard
//   qo2mol-pack merge SHARD_DIR... --out DIR --seed S    index.h5, splits, reference energies, manifest
//   qo2mol-pack verify|inspect|stats DATASET              DATASET = merged dir or its index.h5
//   qo2mol-pack export DATASET --out DIR [--split random --label test]   DIR/conformers.xyz
// Tunables are config keys (settings.cpp); the flags that mirror them are rewritten into --set.
#include <H5Cpp.h>

#include <cstdio>
#include <cstdlib>

#include "labkit/core/error.h"
#include "labkit/core/tool.h"
#include "labkit/tensorio/h5.h"
#include "merge.h"
#include "settings.h"
#include "shard_writer.h"
#include "verbs.h"

using namespace labkit;
namespace q = labkit::qo2mol_pack;

int main(int argc, char** argv) {
  Tool tool({"qo2mol-pack", "Molecular conformer datasets (QO2Mol pickles, extxyz, SDF, ASE SQLite, SPICE HDF5) "
                            "into sharded, indexed HDF5 with molecule-level splits",
             q::default_config(), false, /*uses_shard=*/true});
  tool.add_versions(q::linked_versions());
  CLI::App& app = tool.app();
  app.require_subcommand(1);

  std::vector<std::string> inputs;
  std::string dataset, manifest_copy;
  auto* pack_cmd = app.add_subcommand("pack", "Read inputs and write this job's shard (--shard i/N) into --out");
  pack_cmd->add_option("inputs", inputs, "Input files: .pkl (QO2Mol), .xyz/.extxyz, .sdf/.mol, .db (ASE), .h5 (SPICE)")
      ->required()->check(CLI::ExistingFile);
  auto* merge_cmd = app.add_subcommand("merge", "Check shards, write index.h5 with splits, reference energies, stats");
  merge_cmd->add_option("shards", inputs, "Shard files or pack output directories")->required();
  // Not --manifest: in every tool that names an input manifest (CONTRIBUTING.md flag glossary).
  merge_cmd->add_option("--manifest-copy", manifest_copy,
                        "Also copy --out/manifest.json (sha256 of every file) here, e.g. data-manifests/x.json");
  // Refused while parsing, before --out is opened and config.json written into it (issue 14).
  merge_cmd->callback([&] {
    if (auto* out = app.get_option("--out"); out->count() > 0) {
      try {
        q::check_out_apart_from_inputs(inputs, out->as<std::string>());
      } catch (const InputError& e) {
        throw CLI::ValidationError(e.what());
      }
    }
  });
  auto* verify_cmd = app.add_subcommand("verify", "Check checksums, counts, offsets, NaN/inf, elements, splits");
  auto* inspect_cmd = app.add_subcommand("inspect", "Show layout, counts, units, splits, first conformers");
  auto* stats_cmd = app.add_subcommand("stats", "Dataset statistics (JSON on stdout)");
  auto* export_cmd = app.add_subcommand("export", "Write conformers back to extended XYZ: --out DIR/conformers.xyz");
  for (auto* cmd : {verify_cmd, inspect_cmd, stats_cmd, export_cmd})
    cmd->add_option("dataset", dataset, "Merged directory or its index.h5")->required();
  for (auto* cmd : {pack_cmd, merge_cmd, verify_cmd, inspect_cmd, stats_cmd, export_cmd}) cmd->fallthrough();
  q::add_mirror_flags_to_help(app);

  auto args = q::expand_mirror_flags(argc, argv);
  std::vector<char*> argv2;
  for (auto& a : args) argv2.push_back(a.data());
  const int rc = tool.main(static_cast<int>(argv2.size()), argv2.data(), [&](Run& run) {
    const auto settings = q::Settings::from_config(run.config());
    try {
      if (app.got_subcommand(pack_cmd)) q::run_pack(run, settings, inputs);
      else if (app.got_subcommand(merge_cmd)) q::run_merge(run, settings, inputs, manifest_copy);
      else if (app.got_subcommand(verify_cmd)) q::run_verify(run, settings, dataset);
      else if (app.got_subcommand(inspect_cmd)) q::run_inspect(run, settings, dataset);
      else if (app.got_subcommand(stats_cmd)) q::run_stats(run, dataset);
      else if (app.got_subcommand(export_cmd)) q::run_export(run, settings, dataset);
    } catch (const H5::Exception& e) {  // not a std::exception: would terminate the process
      throw std::runtime_error("HDF5 failed in " + e.getFuncName() + ": " + e.getDetailMsg());
    }
  });
  // An HDF5 file abandoned after a failed write (a shard, merge's index): HDF5 would crash closing it
  // at exit, so the process ends without running HDF5's exit handlers.
  if (labkit::tensorio::H5File::any_abandoned()) {
    std::fflush(stdout);
    std::fflush(stderr);
    std::_Exit(rc);
  }
  return rc;
}
