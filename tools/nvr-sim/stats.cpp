#include "stats.h"

namespace labkit::nvr_sim {

namespace {
double ratio(double a, double b) { return b > 0 ? a / b : 0.0; }
}  // namespace

std::vector<std::pair<std::string, nlohmann::json>> flat_metrics(const SimStats& s) {
  // Every statistic, counts as unsigned integers and ratios as doubles (stats.csv, sweep.csv and
  // stats.json all come from this list).
  std::vector<std::pair<std::string, nlohmann::json>> m;
  auto n = [&m](const std::string& k, std::uint64_t v) { m.emplace_back(k, v); };
  auto r = [&m](const std::string& k, double v) { m.emplace_back(k, v); };
  n("cycles", s.cycles);
  n("npu_ops", s.npu_ops);
  n("mem_ops", s.mem_ops);
  n("compute_ops", s.compute_ops);
  n("demand_lines", s.demand_lines);
  n("compute_cycles", s.compute_cycles);
  for (const auto& l : s.levels) {
    const std::string p = l.name + ".";
    n(p + "accesses", l.accesses);
    n(p + "hits", l.hits);
    n(p + "misses", l.misses);
    n(p + "mshr_merges", l.mshr_merges);
    n(p + "write_accesses", l.write_accesses);
    n(p + "write_misses", l.write_misses);
    r(p + "hit_rate", ratio(l.hits, l.accesses));
    // MPKI-style: misses per 1000 NPU demand line accesses (the NPU has no instruction count).
    r(p + "mpka", ratio(1000.0 * l.misses, s.demand_lines));
    n(p + "pf_accesses", l.pf_accesses);
    n(p + "pf_hits", l.pf_hits);
    n(p + "evictions", l.evictions);
    n(p + "writebacks", l.writebacks);
    n(p + "writebacks_in", l.writebacks_in);
    n(p + "fills", l.fills);
  }
  n("dram.reads", s.dram.reads);
  n("dram.writes", s.dram.writes);
  n("dram.bytes", s.dram.bytes);
  r("dram.bytes_per_cycle", ratio(s.dram.bytes, s.cycles));
  n("dram.row_hits", s.dram.row_hits);
  n("dram.row_empty", s.dram.row_empty);
  n("dram.row_conflicts", s.dram.row_conflicts);
  r("dram.row_hit_rate", ratio(s.dram.row_hits, s.dram.reads + s.dram.writes));
  r("dram.avg_read_latency", ratio(s.dram.total_read_latency, s.dram.reads));
  n("dram.bank_wait_cycles", s.dram.bank_wait);
  n("dram.bus_wait_cycles", s.dram.bus_wait);
  n("dram.refresh_stalls", s.dram.refresh_stalls);
  n("dram.refresh_wait_cycles", s.dram.refresh_wait);
  const auto& p = s.pf;
  n("pf.requested", p.requested);
  n("pf.dropped", p.dropped);
  n("pf.duplicate", p.duplicate);
  n("pf.redundant", p.redundant);
  n("pf.issued", p.issued);
  n("pf.useful", p.useful);
  n("pf.late", p.late);
  n("pf.useless", p.useless);
  n("pf.unused_at_end", p.unused_at_end);
  // gem5: accuracy = useful / issued; coverage = useful / (useful + demand MSHR misses).
  double primary = 0;
  for (const auto& l : s.levels)
    if (l.name == p.level) primary = double(l.misses - l.mshr_merges);
  r("pf.accuracy", ratio(p.useful, p.issued));
  r("pf.coverage", ratio(p.useful, p.useful + primary));
  // Share of useful prefetches that arrived before their demand.
  r("pf.timeliness", ratio(p.useful - p.late, p.useful));
  return m;
}

std::string metrics_csv(const SimStats& s, const nlohmann::json& speedup) {
  std::string out = "metric,value\n";
  for (const auto& [k, v] : flat_metrics(s)) out += k + "," + v.dump() + "\n";
  out += "speedup," + (speedup.is_null() ? std::string() : speedup.dump()) + "\n";
  return out;
}

nlohmann::json to_json(const SimStats& s) {
  nlohmann::json j;
  j["workload"] = s.workload;
  for (const auto& [k, v] : flat_metrics(s)) {
    // Nest "a.b" keys one level.
    const auto dot = k.find('.');
    if (dot == std::string::npos) j[k] = v;
    else j[k.substr(0, dot)][k.substr(dot + 1)] = v;
  }
  j["pf"]["type"] = s.pf.type;
  j["pf"]["level"] = s.pf.level;
  j["prefetcher_internal"] = s.prefetcher_internal;
  return j;
}

std::vector<std::string> check_invariants(const SimStats& s) {
  std::vector<std::string> bad;
  for (const auto& l : s.levels) {
    if (l.hits + l.misses != l.accesses)
      bad.push_back(l.name + ": hits + misses != accesses");
    if (l.mshr_merges > l.misses) bad.push_back(l.name + ": more MSHR merges than misses");
    if (l.pf_hits > l.pf_accesses) bad.push_back(l.name + ": more prefetch hits than prefetch accesses");
  }
  if (!s.levels.empty() && s.levels[0].accesses != s.demand_lines)
    bad.push_back("first level accesses != NPU demand lines (a demand was lost)");
  if (s.inflight_at_end != 0) bad.push_back("MSHR entries left after the run (a demand never completed)");
  if (s.max_completion > s.cycles) bad.push_back("a demand completed after the last cycle");
  const auto& p = s.pf;
  if (p.useful > p.issued) bad.push_back("prefetch: useful > issued (a prefetch counted useful twice)");
  if (p.late > p.useful) bad.push_back("prefetch: late > useful");
  if (p.useful + p.useless + p.unused_at_end > p.issued)
    bad.push_back("prefetch: useful + useless + unused > issued (a prefetched line counted twice)");
  if (p.issued + p.dropped + p.redundant + p.duplicate != p.requested)
    bad.push_back("prefetch: requested != issued + dropped + redundant + duplicate");
  return bad;
}

}  // namespace labkit::nvr_sim
