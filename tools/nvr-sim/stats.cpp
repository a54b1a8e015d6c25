#include "stats.h"

namespace nvr {

namespace {
double ratio(double a, double b) { return b > 0 ? a / b : 0.0; }
}  // namespace

std::vector<std::pair<std::string, double>> flat_metrics(const SimStats& s) {
  std::vector<std::pair<std::string, double>> m;
  m.emplace_back("cycles", double(s.cycles));
  m.emplace_back("mem_ops", double(s.mem_ops));
  m.emplace_back("demand_lines", double(s.demand_lines));
  m.emplace_back("compute_cycles", double(s.compute_cycles));
  for (const auto& l : s.levels) {
    const std::string p = l.name + ".";
    m.emplace_back(p + "accesses", double(l.accesses));
    m.emplace_back(p + "hits", double(l.hits));
    m.emplace_back(p + "misses", double(l.misses));
    m.emplace_back(p + "mshr_merges", double(l.mshr_merges));
    m.emplace_back(p + "write_accesses", double(l.write_accesses));
    m.emplace_back(p + "write_misses", double(l.write_misses));
    m.emplace_back(p + "hit_rate", ratio(l.hits, l.accesses));
    // MPKI-style: misses per 1000 NPU demand line accesses (the NPU has no instruction count).
    m.emplace_back(p + "mpka", ratio(1000.0 * l.misses, s.demand_lines));
    m.emplace_back(p + "pf_accesses", double(l.pf_accesses));
    m.emplace_back(p + "writebacks", double(l.writebacks));
  }
  m.emplace_back("dram.reads", double(s.dram.reads));
  m.emplace_back("dram.writes", double(s.dram.writes));
  m.emplace_back("dram.bytes", double(s.dram.bytes));
  m.emplace_back("dram.bytes_per_cycle", ratio(s.dram.bytes, s.cycles));
  m.emplace_back("dram.row_hit_rate", ratio(s.dram.row_hits, s.dram.reads + s.dram.writes));
  m.emplace_back("dram.avg_read_latency", ratio(s.dram.total_read_latency, s.dram.reads));
  const auto& p = s.pf;
  m.emplace_back("pf.requested", double(p.requested));
  m.emplace_back("pf.dropped", double(p.dropped));
  m.emplace_back("pf.redundant", double(p.redundant));
  m.emplace_back("pf.issued", double(p.issued));
  m.emplace_back("pf.useful", double(p.useful));
  m.emplace_back("pf.late", double(p.late));
  m.emplace_back("pf.useless", double(p.useless));
  m.emplace_back("pf.unused_at_end", double(p.unused_at_end));
  // gem5: accuracy = useful / issued; coverage = useful / (useful + demand MSHR misses).
  double primary = 0;
  for (const auto& l : s.levels)
    if (l.name == p.level) primary = double(l.misses - l.mshr_merges);
  m.emplace_back("pf.accuracy", ratio(p.useful, p.issued));
  m.emplace_back("pf.coverage", ratio(p.useful, p.useful + primary));
  // Share of useful prefetches that arrived before their demand.
  m.emplace_back("pf.timeliness", ratio(p.useful - p.late, p.useful));
  return m;
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
  j["pf"]["duplicate"] = s.pf.duplicate;
  j["prefetcher_internal"] = s.prefetcher_internal;
  for (const auto& l : s.levels) {
    j[l.name]["evictions"] = l.evictions;
    j[l.name]["pf_hits"] = l.pf_hits;
    j[l.name]["writebacks_in"] = l.writebacks_in;
  }
  j["dram"]["row_hits"] = s.dram.row_hits;
  j["dram"]["row_conflicts"] = s.dram.row_conflicts;
  j["dram"]["row_empty"] = s.dram.row_empty;
  j["dram"]["bank_wait_cycles"] = s.dram.bank_wait;
  j["dram"]["bus_wait_cycles"] = s.dram.bus_wait;
  j["dram"]["refresh_stalls"] = s.dram.refresh_stalls;
  j["dram"]["refresh_wait_cycles"] = s.dram.refresh_wait;
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

}  // namespace nvr
