// Counters of one simulation and the derived metrics (definitions in README "Statistics").
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "dram.h"

namespace labkit::nvr_sim {

struct LevelStats {
  std::string name;
  // Demand traffic (NPU loads/stores at the first level; misses of the level above below it).
  std::uint64_t accesses = 0, hits = 0, misses = 0;
  // The stores among them (below the first level: fetches caused by store misses above).
  std::uint64_t write_accesses = 0, write_misses = 0;
  std::uint64_t mshr_merges = 0;  // misses that found the line already in flight (secondary misses)
  // Prefetch traffic arriving from the level above (not demand).
  std::uint64_t pf_accesses = 0, pf_hits = 0;
  std::uint64_t evictions = 0, writebacks = 0, writebacks_in = 0, fills = 0;
};

struct PrefetchStats {
  std::string type, level;
  std::uint64_t requested = 0;  // addresses the prefetcher generated
  std::uint64_t dropped = 0;    // queue full (ChampSim: requested but not issued)
  std::uint64_t duplicate = 0;  // already waiting in the queue
  std::uint64_t redundant = 0;  // line already in the cache or in flight when the queue drained it
  std::uint64_t issued = 0;     // sent to the next level
  std::uint64_t useful = 0;     // first demand use of a prefetched line (hit or merge into its MSHR)
  std::uint64_t late = 0;       // useful, but the demand arrived while the prefetch was in flight
  std::uint64_t useless = 0;    // prefetched line evicted before any demand used it
  std::uint64_t unused_at_end = 0;  // prefetched lines still resident, never used, when the run ends
};

struct SimStats {
  std::string workload;
  std::uint64_t cycles = 0;
  std::uint64_t npu_ops = 0, mem_ops = 0, compute_ops = 0;
  std::uint64_t demand_lines = 0;      // line-sized demand accesses the NPU issued
  std::uint64_t compute_cycles = 0;    // sum of compute step lengths
  std::uint64_t max_completion = 0;    // latest demand completion cycle
  std::uint64_t inflight_at_end = 0;   // MSHR entries left after draining (must be 0)
  std::vector<LevelStats> levels;
  DramStats dram;
  std::uint32_t line_bytes = 64;
  PrefetchStats pf;
  nlohmann::json prefetcher_internal = nlohmann::json::object();
};

nlohmann::json to_json(const SimStats& s);
// Flat key -> number view used for CSV rows and sweep tables: every statistic, counts as unsigned
// integers, ratios as doubles.
std::vector<std::pair<std::string, nlohmann::json>> flat_metrics(const SimStats& s);
// stats.csv: "metric,value" rows of flat_metrics (integers printed as integers, doubles in the
// shortest form that reads back exactly), then speedup (empty when there was no baseline run).
std::string metrics_csv(const SimStats& s, const nlohmann::json& speedup);
// Violated accounting invariants (empty when all hold).
std::vector<std::string> check_invariants(const SimStats& s);

}  // namespace labkit::nvr_sim
