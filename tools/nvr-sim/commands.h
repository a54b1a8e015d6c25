// The three verbs of nvr-sim as named steps (main.cpp declares the tool and dispatches to them).
#pragma once

#include <string>

#include <labkit/core/tool.h>

namespace labkit::nvr_sim {

// `run`: one simulation plus its baseline run; stats.json/stats.csv; summary table on stdout.
void run_simulation(labkit::Run& run);
// `sweep --grid FILE`: the grid's cases (this --shard's share) on run.threads() workers.
void run_sweep_command(labkit::Run& run, const std::string& grid_path);
// `claims --grid FILE`: the paper-claims experiment and its table.
void run_claims_command(labkit::Run& run, const std::string& experiment_path);

}  // namespace labkit::nvr_sim
