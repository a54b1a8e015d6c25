// Sweep mode: a grid of config overrides x workloads, simulated by std::thread workers, one table.
//
// Grid file (JSON):
//   {"base": {"npu.elem_bytes": 4, ...},                 overrides applied to every case (optional)
//    "axes": {"prefetcher.type": ["none", "nvr"],          Cartesian product of these values
//             "workload.matrix": ["a.mtx", "b.mtx"]}}
// Relative workload.matrix / workload.trace paths are resolved against the grid file's folder.
// Each row's speedup is against the same case with prefetcher.type = the config's `baseline`
// (run as an extra case when the grid does not contain it).
#pragma once

#include <labkit/core/progress.h>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "stats.h"

namespace labkit::nvr_sim {

struct SweepCase {
  std::string label;                                   // "k1=v1,k2=v2"
  std::vector<std::pair<std::string, nlohmann::json>> set;  // dotted key -> value
};

struct SweepRow {
  SweepCase c;
  SimStats stats;
  nlohmann::json speedup;   // baseline cycles / cycles; null without a baseline run
  double sim_seconds = 0;   // wall time of this simulation
  std::string error;        // non-empty if the case failed (bad config / input)
};

// Cartesian product of axes, in key order then value order; base overrides first in each case.
std::vector<SweepCase> expand_grid(const nlohmann::json& grid, const std::string& grid_dir);
// Simulate every case on `threads` workers (0 = hardware concurrency). `defaults` is the full config.
// `progress` (optional) advances by one per finished simulation (baseline runs included).
std::vector<SweepRow> run_sweep(const nlohmann::json& defaults, const std::vector<SweepCase>& cases, int threads,
                                labkit::Progress* progress = nullptr);
std::string sweep_csv(const std::vector<SweepRow>& rows);
nlohmann::json sweep_json(const std::vector<SweepRow>& rows);
// Config json for a case (defaults + overrides); throws InputError for a bad key.
nlohmann::json case_config(const nlohmann::json& defaults, const SweepCase& c);

// The paper-claims experiment: for each workload of the experiment file, the prefetchers
// none/stream/imp/dvr/nvr with the NSB, and NVR with L2 only / L2 + 16 KB / NSB 16 KB.
struct ClaimsResult {
  nlohmann::json table;   // one object per workload + "mean"
  std::string text;       // printable table
  std::vector<SweepRow> rows;
};
ClaimsResult run_claims(const nlohmann::json& defaults, const nlohmann::json& experiment,
                        const std::string& experiment_dir, int threads, labkit::Progress* progress = nullptr);

}  // namespace labkit::nvr_sim
