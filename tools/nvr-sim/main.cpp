// nvr-sim: NPU memory-hierarchy simulator with NPU Vector Runahead.
//   nvr-sim [run] [--config f.json] [--set k=v ...] [--out DIR]     one simulation (+ baseline run)
//   nvr-sim sweep --grid grid.json [--threads N] [--shard i/N] --out DIR   grid of configs x workloads
//   nvr-sim claims --grid configs/nvr-sim/paper-claims.json           the paper-claims experiment
#include <labkit/core/tool.h>

#include "commands.h"
#include "settings.h"

int main(int argc, char** argv) {
  labkit::ToolSpec spec;
  spec.name = "nvr-sim";
  spec.description = "NPU memory-hierarchy simulator (caches, MSHRs, DRAM, prefetchers incl. NVR vector runahead)";
  spec.default_config = labkit::nvr_sim::default_config();
  spec.uses_shard = true;  // sweep: each shard simulates cases k with k % N == i
  labkit::Tool tool(spec);
  auto& app = tool.app();
  app.fallthrough();
  auto* run_cmd = app.add_subcommand("run", "Simulate one config (the default verb)");
  std::string grid, experiment;
  auto* sweep_cmd = app.add_subcommand("sweep", "Simulate a grid of configs x workloads in parallel threads");
  sweep_cmd->add_option("--grid", grid, "Grid JSON: {\"base\": {key: value}, \"axes\": {key: [values]}}")
      ->required()
      ->check(CLI::ExistingFile);
  auto* claims_cmd = app.add_subcommand("claims", "Run the paper-claims experiment and print its table");
  claims_cmd->add_option("--grid", experiment, "Experiment JSON (configs/nvr-sim/paper-claims.json)")
      ->required()
      ->check(CLI::ExistingFile);
  for (auto* c : {run_cmd, sweep_cmd, claims_cmd}) {
    c->fallthrough();  // the shared flags (--config, --set, --out, --threads, ...) work after the verb too
    c->footer("Shared flags (--config, --set, --out, --force, --seed, --threads, --shard, --json, --log-*): see nvr-sim --help");
  }
  app.require_subcommand(0, 1);

  return tool.main(argc, argv, [&](labkit::Run& run) {
    if (sweep_cmd->parsed()) labkit::nvr_sim::run_sweep_command(run, grid);
    else if (claims_cmd->parsed()) labkit::nvr_sim::run_claims_command(run, experiment);
    else labkit::nvr_sim::run_simulation(run);
  });
}
