#include "commands.h"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>

#include <labkit/core/error.h>
#include <labkit/core/json_file.h>
#include <labkit/core/progress.h>

#include "engine.h"
#include "sweep.h"

namespace labkit::nvr_sim {

namespace {

// CPU time of this thread: the speed figure that other jobs on a shared machine disturb least.
double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
}

std::string dir_of(const std::string& path) {
  const auto slash = path.find_last_of('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

// The summary on stdout: one row per level, DRAM and prefetch counts.
void summarize(labkit::Run& run, const SimStats& s, const SimConfig& cfg, const nlohmann::json& speedup,
               double cpu_s) {
  auto& sum = run.summary();
  sum.add("workload", s.workload).add("prefetcher", cfg.pf.type).add("cycles", s.cycles);
  if (!speedup.is_null()) sum.add("speedup vs " + cfg.baseline, speedup, "x");
  std::vector<std::vector<nlohmann::json>> rows;
  for (const auto& l : s.levels)
    rows.push_back({l.name, l.accesses, l.hits, l.misses, l.write_misses, l.mshr_merges});
  sum.add_table("caches", {"level", "accesses", "hits", "misses", "write misses", "merged"}, rows);
  sum.add("dram reads / writes", std::to_string(s.dram.reads) + " / " + std::to_string(s.dram.writes));
  sum.add("prefetches issued / useful / late / useless",
          std::to_string(s.pf.issued) + " / " + std::to_string(s.pf.useful) + " / " + std::to_string(s.pf.late) +
              " / " + std::to_string(s.pf.useless));
  sum.add("simulation speed", cpu_s > 0 ? double(s.demand_lines) / cpu_s / 1e6 : 0.0, "M accesses per CPU second");
}

// Both tables or neither: when the second write fails (a full disk), the first is removed, so a failed
// sweep never leaves sweep.csv alone (found by tests/fault/fault_test.sh with a file-size limit).
void write_rows(labkit::Run& run, const std::vector<SweepRow>& rows) {
  if (!run.has_out()) return;
  run.out().write("sweep.csv", sweep_csv(rows));
  try {
    run.out().write("sweep.json", sweep_json(rows).dump(2) + "\n");
  } catch (...) {
    std::error_code ec;
    std::filesystem::remove(run.out().file("sweep.csv"), ec);
    throw;
  }
}

// Grid keys that --config/--set also changed: refused, since the grid would silently win.
void check_no_conflict(const labkit::Run& run, const nlohmann::json& defaults, const std::vector<SweepCase>& cases) {
  const auto& resolved = run.config().json();
  for (const auto& c : cases)
    for (const auto& [k, v] : c.set) {
      const auto ptr = nlohmann::json::json_pointer("/" + [&] {
        std::string p = k;
        for (auto& ch : p) ch = ch == '.' ? '/' : ch;
        return p;
      }());
      if (resolved.contains(ptr) && defaults.contains(ptr) && resolved.at(ptr) != defaults.at(ptr))
        throw labkit::InputError("sweep grid sets " + k + ", which --config/--set also set (to " +
                                 resolved.at(ptr).dump() + "): set it in one place");
    }
}

}  // namespace

void run_simulation(labkit::Run& run) {
  SimConfig cfg = parse_config(run.config().json());
  if (run.seed() != 0) cfg.workload.seed = run.seed();  // --seed picks the generated matrix
  const auto t0 = std::chrono::steady_clock::now();
  const Workload wl = make_workload(cfg);
  const auto t1 = std::chrono::steady_clock::now();
  const double c1 = thread_cpu_seconds();
  SimStats s;
  {
    labkit::Progress progress("simulate " + cfg.pf.type, std::int64_t(wl.ops.size()), "ops");
    s = simulate(cfg, wl, &progress);
    progress.finish();
  }
  const double cpu_s = thread_cpu_seconds() - c1;
  const double sim_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
  nlohmann::json m = to_json(s);
  nlohmann::json speedup;  // null when the baseline run is skipped (baseline "")
  if (!cfg.baseline.empty()) {
    SimConfig b = cfg;
    b.pf.type = cfg.baseline;
    SimStats sb = s;
    if (cfg.baseline != cfg.pf.type) {
      labkit::Progress progress("simulate baseline " + cfg.baseline, std::int64_t(wl.ops.size()), "ops");
      sb = simulate(b, wl, &progress);
      progress.finish();
    }
    speedup = double(sb.cycles) / double(s.cycles);
    m["baseline"] = {{"prefetcher", cfg.baseline}, {"cycles", sb.cycles}};
  }
  m["speedup"] = speedup;
  m["sim_seconds"] = sim_s;
  m["workload_build_seconds"] = std::chrono::duration<double>(t1 - t0).count();
  m["sim_cpu_seconds"] = cpu_s;
  m["accesses_per_second"] = sim_s > 0 ? double(s.demand_lines) / sim_s : 0.0;
  m["accesses_per_cpu_second"] = cpu_s > 0 ? double(s.demand_lines) / cpu_s : 0.0;
  const auto bad = check_invariants(s);
  m["invariant_violations"] = bad;
  if (!bad.empty()) throw std::logic_error("invariant violated: " + bad.front());
  run.metrics() = m;
  summarize(run, s, cfg, speedup, cpu_s);
  if (run.has_out()) {
    run.out().write("stats.json", m.dump(2) + "\n");
    run.out().write("stats.csv", metrics_csv(s, speedup));
  }
}

void run_sweep_command(labkit::Run& run, const std::string& grid_path) {
  auto cases = expand_grid(labkit::read_json_file(grid_path, "the sweep grid"), dir_of(grid_path));
  check_no_conflict(run, default_config(), cases);
  std::vector<SweepCase> mine;
  for (std::size_t k = 0; k < cases.size(); ++k)
    if (run.shard().owns(std::int64_t(k))) mine.push_back(std::move(cases[k]));
  const auto t0 = std::chrono::steady_clock::now();
  labkit::Progress progress("sweep", 0, "simulations");
  const auto rows = run_sweep(run.config().json(), mine, run.threads(), &progress);
  progress.finish();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::size_t failed = 0;
  for (const auto& r : rows) failed += !r.error.empty();
  // A failed sweep writes nothing under a final name (issue 14); the errors go to stderr.
  for (const auto& r : rows)
    if (!r.error.empty())
      throw labkit::InputError(std::to_string(failed) + " of " + std::to_string(rows.size()) +
                               " sweep case(s) failed; first: " + r.c.label + ": " + r.error);
  run.metrics() = {{"cases", rows.size()}, {"shard", run.shard().str()}, {"wall_seconds", wall},
                   {"rows", sweep_json(rows)}};
  std::vector<std::vector<nlohmann::json>> table;
  for (const auto& r : rows)
    table.push_back({r.c.label, r.stats.pf.type, r.stats.cycles, r.speedup.is_null() ? nlohmann::json("-") : r.speedup,
                     r.stats.levels.empty() ? 0 : r.stats.levels[0].misses});
  run.summary().add_table("sweep (" + run.shard().str() + ")", {"case", "prefetcher", "cycles", "speedup", "first-level misses"},
                          table);
  write_rows(run, rows);
}

void run_claims_command(labkit::Run& run, const std::string& experiment_path) {
  const auto t0 = std::chrono::steady_clock::now();
  labkit::Progress progress("claims", 0, "simulations");
  const auto res = run_claims(run.config().json(), labkit::read_json_file(experiment_path, "the claims experiment"), dir_of(experiment_path), run.threads(),
                              &progress);
  progress.finish();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  run.summary().add_text(res.text);
  run.summary().add("simulations", res.rows.size()).add("wall time", wall, "s");
  run.metrics() = {{"claims", res.table}, {"simulations", res.rows.size()}, {"wall_seconds", wall}};
  write_rows(run, res.rows);
  if (run.has_out()) run.out().write("claims.txt", res.text);
}

}  // namespace labkit::nvr_sim
