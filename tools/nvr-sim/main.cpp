// nvr-sim: NPU memory-hierarchy simulator with NPU Vector Runahead.
//   nvr-sim [run] [--config f.json] [--set k=v ...] [--out DIR]     one simulation (+ baseline run)
//   nvr-sim sweep --grid grid.json [--threads N] --out DIR            grid of configs x workloads
//   nvr-sim claims --grid configs/nvr-sim/paper-claims.json           the paper-claims experiment
#include <chrono>
#include <ctime>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include <labkit/core/error.h>
#include <labkit/core/tool.h>

#include "engine.h"
#include "sweep.h"

namespace {

// CPU time of this thread: the speed figure that other jobs on a shared machine disturb least.
double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
}

nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw labkit::input_error(path, "cannot open");
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::parse_error& e) {
    throw labkit::input_error(path, std::string("invalid JSON: ") + e.what());
  }
}

std::string dir_of(const std::string& path) {
  const auto slash = path.find_last_of('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

std::string stats_csv(const nvr::SimStats& s, double speedup) {
  std::ostringstream os;
  os << "metric,value\n";
  for (const auto& [k, v] : nvr::flat_metrics(s)) os << k << ',' << v << '\n';
  os << "speedup," << speedup << '\n';
  return os.str();
}

void run_one(labkit::Run& run) {
  nvr::SimConfig cfg = nvr::parse_config(run.config().json());
  if (run.seed() != 0) cfg.workload.seed = run.seed();  // --seed picks the generated matrix
  const auto t0 = std::chrono::steady_clock::now();
  const nvr::Workload wl = nvr::make_workload(cfg);
  const auto t1 = std::chrono::steady_clock::now();
  const double c1 = thread_cpu_seconds();
  const nvr::SimStats s = nvr::simulate(cfg, wl);
  const double cpu_s = thread_cpu_seconds() - c1;
  const auto t2 = std::chrono::steady_clock::now();
  const double sim_s = std::chrono::duration<double>(t2 - t1).count();
  nlohmann::json m = nvr::to_json(s);
  double speedup = 0;
  if (!cfg.baseline.empty()) {
    nvr::SimConfig b = cfg;
    b.pf.type = cfg.baseline;
    const nvr::SimStats sb = cfg.baseline == cfg.pf.type ? s : nvr::simulate(b, wl);
    speedup = double(sb.cycles) / double(s.cycles);
    m["baseline"] = {{"prefetcher", cfg.baseline}, {"cycles", sb.cycles}};
  }
  m["speedup"] = speedup;
  m["sim_seconds"] = sim_s;
  m["workload_build_seconds"] = std::chrono::duration<double>(t1 - t0).count();
  m["sim_cpu_seconds"] = cpu_s;
  m["accesses_per_second"] = sim_s > 0 ? double(s.demand_lines) / sim_s : 0.0;
  m["accesses_per_cpu_second"] = cpu_s > 0 ? double(s.demand_lines) / cpu_s : 0.0;
  const auto bad = nvr::check_invariants(s);
  m["invariant_violations"] = bad;
  run.metrics() = m;
  std::printf("%s  prefetcher=%s  cycles=%llu  speedup(vs %s)=%.3f\n", s.workload.c_str(), cfg.pf.type.c_str(),
              (unsigned long long)s.cycles, cfg.baseline.empty() ? "-" : cfg.baseline.c_str(), speedup);
  for (const auto& l : s.levels)
    std::printf("  %-4s accesses=%llu hits=%llu misses=%llu (merged %llu)\n", l.name.c_str(),
                (unsigned long long)l.accesses, (unsigned long long)l.hits, (unsigned long long)l.misses,
                (unsigned long long)l.mshr_merges);
  std::printf("  dram reads=%llu writes=%llu | pf issued=%llu useful=%llu late=%llu useless=%llu\n",
              (unsigned long long)s.dram.reads, (unsigned long long)s.dram.writes, (unsigned long long)s.pf.issued,
              (unsigned long long)s.pf.useful, (unsigned long long)s.pf.late, (unsigned long long)s.pf.useless);
  std::printf("  simulated %llu accesses in %.3f s wall, %.3f s CPU (%.2f M accesses per CPU second)\n",
              (unsigned long long)s.demand_lines, sim_s, cpu_s, cpu_s > 0 ? double(s.demand_lines) / cpu_s / 1e6 : 0.0);
  if (!bad.empty()) throw std::logic_error("invariant violated: " + bad.front());
  if (run.has_out()) {
    run.out().write("stats.json", m.dump(2) + "\n");
    run.out().write("stats.csv", stats_csv(s, speedup));
  }
}

void write_rows(labkit::Run& run, const std::vector<nvr::SweepRow>& rows) {
  if (!run.has_out()) return;
  run.out().write("sweep.csv", nvr::sweep_csv(rows));
  run.out().write("sweep.json", nvr::sweep_json(rows).dump(2) + "\n");
}

}  // namespace

int main(int argc, char** argv) {
  labkit::ToolSpec spec;
  spec.name = "nvr-sim";
  spec.description = "NPU memory-hierarchy simulator (caches, MSHRs, DRAM, prefetchers incl. NVR vector runahead)";
  spec.default_config = nvr::default_config_json();
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
    c->footer("Shared flags (--config, --set, --out, --force, --seed, --threads, --log-*): see nvr-sim --help");
  }
  app.require_subcommand(0, 1);

  return tool.main(argc, argv, [&](labkit::Run& run) {
    if (sweep_cmd->parsed()) {
      const auto cases = nvr::expand_grid(read_json(grid), dir_of(grid));
      const auto t0 = std::chrono::steady_clock::now();
      const auto rows = nvr::run_sweep(run.config().json(), cases, run.threads());
      const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      std::fputs(nvr::sweep_csv(rows).c_str(), stdout);
      std::size_t failed = 0;
      for (const auto& r : rows) failed += !r.error.empty();
      run.metrics() = {{"cases", rows.size()}, {"failed", failed}, {"wall_seconds", wall}};
      // A failed sweep writes nothing under a final name (issue 14); the table above has the errors.
      for (const auto& r : rows)
        if (!r.error.empty())
          throw labkit::InputError(std::to_string(failed) + " of " + std::to_string(rows.size()) +
                                   " sweep case(s) failed (error column above); first: " + r.c.label + ": " + r.error);
      write_rows(run, rows);
    } else if (claims_cmd->parsed()) {
      const auto t0 = std::chrono::steady_clock::now();
      const auto res = nvr::run_claims(run.config().json(), read_json(experiment), dir_of(experiment), run.threads());
      const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      std::fputs(res.text.c_str(), stdout);
      std::printf("(%zu simulations in %.1f s)\n", res.rows.size(), wall);
      run.metrics() = {{"claims", res.table}, {"simulations", res.rows.size()}, {"wall_seconds", wall}};
      write_rows(run, res.rows);
      if (run.has_out()) run.out().write("claims.txt", res.text);
    } else {
      run_one(run);
    }
  });
}
