// The paper-claims experiment (see sweep.h): runs the variants per workload through run_sweep and
// condenses them into the three claims of NVR (arXiv 2502.13873).
#include <cmath>
#include <cstdio>
#include <map>

#include <labkit/core/error.h>

#include "sweep.h"

namespace labkit::nvr_sim {

namespace {

struct Variant {
  const char* name;
  std::vector<std::pair<std::string, nlohmann::json>> set;
};

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

// Step 1: the seven variants run per workload; +16 KB of L2 must be whole ways of the base L2.
std::vector<Variant> claims_variants(const nlohmann::json& base_cfg) {
  const std::uint64_t l2_kb = base_cfg["l2"]["size_kb"], l2_ways = base_cfg["l2"]["ways"];
  const std::uint64_t way_kb = l2_kb / l2_ways;
  if (way_kb == 0 || 16 % way_kb != 0)
    throw labkit::InputError("claims experiment: adding 16 KB to the L2 needs 16 KB to be whole ways (way = " +
                             std::to_string(way_kb) + " KB)");
  return {
      {"none", {{"prefetcher.type", "none"}}},
      {"stream", {{"prefetcher.type", "stream"}}},
      {"imp", {{"prefetcher.type", "imp"}}},
      {"dvr", {{"prefetcher.type", "dvr"}}},
      {"nvr", {{"prefetcher.type", "nvr"}}},
      {"nvr_l2", {{"prefetcher.type", "nvr"}, {"nsb.enabled", false}}},
      {"nvr_l2+16", {{"prefetcher.type", "nvr"}, {"nsb.enabled", false},
                     {"l2.size_kb", l2_kb + 16}, {"l2.ways", l2_ways + 16 / way_kb}}},
  };
}

// Step 2: one sweep case per workload x variant (workload paths resolved against the experiment's folder).
std::vector<SweepCase> claims_cases(const nlohmann::json& experiment, const std::string& dir, const SweepCase& base,
                                    const std::vector<Variant>& variants, std::vector<std::string>& names) {
  std::vector<SweepCase> cases;
  for (const auto& w : experiment["workloads"]) {
    if (!w.contains("name") || !w.contains("set") || !w["set"].is_object())
      throw labkit::InputError("claims experiment: each workload needs 'name' and 'set'");
    names.push_back(w["name"].get<std::string>());
    for (const auto& v : variants) {
      SweepCase c = base;
      c.set.emplace_back("baseline", "");
      for (auto& [k, val] : w["set"].items()) {
        nlohmann::json value = val;
        if ((k == "workload.matrix" || k == "workload.trace" || k == "workload.b_matrix") && val.is_string() && !val.get<std::string>().empty() &&
            val.get<std::string>()[0] != '/')
          value = dir + "/" + val.get<std::string>();
        c.set.emplace_back(k, value);
      }
      for (const auto& s : v.set) c.set.push_back(s);
      c.label = names.back() + "/" + v.name;
      cases.push_back(std::move(c));
    }
  }
  return cases;
}

// Step 3: per workload, NVR against the best of the other prefetchers, and the NSB-vs-L2 gain.
using VariantStats = std::map<std::string, const SimStats*>;

double first_misses(const SimStats& s) { return double(s.levels[0].misses); }
// Off-chip: demand misses of the last level (each one a DRAM read the NPU waited for or merged into).
double offchip(const SimStats& s) { return double(s.levels.back().misses); }

// The other prefetcher with the least of `measure` (the first one on ties).
template <class Measure>
const char* best_other(VariantStats& s, Measure measure) {
  const char* others[] = {"stream", "imp", "dvr"};
  const char* best = others[0];
  for (auto* o : others)
    if (measure(*s[o]) < measure(*s[best])) best = o;
  return best;
}

struct WorkloadClaims {
  const char* best;      // fewest first-level misses
  const char* best_sp;   // fewest cycles
  const char* best_off;  // fewest off-chip misses
  double m_best, m_nvr, red, o_best, o_nvr, red_off, sp, sp_best, gn, gl, ratio;
};

WorkloadClaims compare_workload(VariantStats& s) {
  WorkloadClaims c;
  c.best = best_other(s, first_misses);
  c.best_sp = best_other(s, [](const SimStats& x) { return x.cycles; });
  c.best_off = best_other(s, offchip);
  c.m_best = first_misses(*s[c.best]), c.m_nvr = first_misses(*s["nvr"]);
  c.red = c.m_best > 0 ? 1.0 - c.m_nvr / c.m_best : 0.0;
  c.o_best = offchip(*s[c.best_off]), c.o_nvr = offchip(*s["nvr"]);
  c.red_off = c.o_best > 0 ? 1.0 - c.o_nvr / c.o_best : 0.0;
  c.sp = double(s["none"]->cycles) / double(s["nvr"]->cycles);
  c.sp_best = double(s["none"]->cycles) / double(s[c.best_sp]->cycles);
  c.gn = double(s["nvr_l2"]->cycles) / double(s["nvr"]->cycles) - 1.0;
  c.gl = double(s["nvr_l2"]->cycles) / double(s["nvr_l2+16"]->cycles) - 1.0;
  c.ratio = std::abs(c.gl) > 1e-9 ? c.gn / c.gl : 0.0;
  return c;
}

nlohmann::json workload_row(const std::string& name, std::uint64_t accesses, VariantStats& s,
                            const std::vector<Variant>& variants, const WorkloadClaims& c) {
  nlohmann::json row{{"workload", name}, {"accesses", accesses},
                     {"misses_none", first_misses(*s["none"])}, {"best_other", c.best},
                     {"misses_best_other", c.m_best}, {"misses_nvr", c.m_nvr}, {"miss_reduction", c.red},
                     {"offchip_best_other", c.best_off}, {"offchip_misses_best_other", c.o_best},
                     {"offchip_misses_nvr", c.o_nvr}, {"offchip_miss_reduction", c.red_off},
                     {"nvr_accuracy", s["nvr"]->pf.issued ? double(s["nvr"]->pf.useful) / double(s["nvr"]->pf.issued) : 0.0},
                     {"speedup_nvr", c.sp}, {"best_other_speedup_prefetcher", c.best_sp}, {"speedup_best_other", c.sp_best},
                     {"gain_nsb", c.gn}, {"gain_l2_plus_16kb", c.gl}, {"gain_ratio", c.ratio}};
  for (const auto& v : variants) {
    row["cycles"][v.name] = s[v.name]->cycles;
    row["misses"][v.name] = first_misses(*s[v.name]);
    row["offchip_misses"][v.name] = offchip(*s[v.name]);
  }
  return row;
}

std::string table_head(std::uint64_t nsb_kb) {
  char head[512];
  std::snprintf(head, sizeof head, "%-14s %8s | %8s %-6s %8s %8s %7s | %7s %7s %7s | %7s %13s | %8s %8s %7s\n", "workload",
                "accesses", "miss:none", "best", "best", "nvr", "reduct", "L2:best", "L2:nvr", "reduct", "nvr", "best-other",
                ("+" + std::to_string(nsb_kb) + "KB-NSB").c_str(), "+16KB-L2", "ratio");
  return head;
}

std::string table_line(const std::string& name, unsigned long long first_level_accesses, double misses_none,
                       const WorkloadClaims& c) {
  char line[512];
  std::snprintf(line, sizeof line,
                "%-14s %8llu | %8.0f %-6s %8.0f %8.0f %6.1f%% | %7.0f %7.0f %6.1f%% | %6.2fx %7.2fx %-5s | %7.1f%% %7.1f%% %7s\n",
                name.c_str(), first_level_accesses, misses_none, c.best, c.m_best, c.m_nvr, 100 * c.red, c.o_best, c.o_nvr,
                100 * c.red_off, c.sp, c.sp_best, c.best_sp, 100 * c.gn, 100 * c.gl,
                std::abs(c.gl) > 1e-9 ? fmt("%.1fx", c.ratio).c_str() : "n/a");
  return line;
}

// Step 4: the means over workloads (and pooled sums of misses, not dominated by workloads with a
// handful of misses), summed in workload order.
struct ClaimsMeans {
  double sum_red = 0, sum_red_off = 0, log_sp = 0, log_best = 0, sum_gn = 0, sum_gl = 0;
  double pool_best = 0, pool_nvr = 0, pool_off_best = 0, pool_off_nvr = 0;
  double n = 0;

  void add(const WorkloadClaims& c) {
    sum_red_off += c.red_off;
    pool_best += c.m_best, pool_nvr += c.m_nvr, pool_off_best += c.o_best, pool_off_nvr += c.o_nvr;
    sum_red += c.red, log_sp += std::log(c.sp), log_best += std::log(c.sp_best), sum_gn += c.gn, sum_gl += c.gl;
    n += 1;
  }
  double ratio() const { return std::abs(sum_gl) > 1e-12 ? sum_gn / sum_gl : 0.0; }
  double pooled() const { return pool_best > 0 ? 1.0 - pool_nvr / pool_best : 0.0; }
  double pooled_off() const { return pool_off_best > 0 ? 1.0 - pool_off_nvr / pool_off_best : 0.0; }

  nlohmann::json row() const {
    return {{"workload", "mean"}, {"miss_reduction", sum_red / n}, {"offchip_miss_reduction", sum_red_off / n},
            {"miss_reduction_pooled", pooled()}, {"offchip_miss_reduction_pooled", pooled_off()}, {"speedup_nvr_geomean", std::exp(log_sp / n)},
            {"speedup_best_other_geomean", std::exp(log_best / n)}, {"gain_nsb", sum_gn / n},
            {"gain_l2_plus_16kb", sum_gl / n}, {"gain_ratio_of_means", ratio()}};
  }
  std::string line(std::uint64_t nsb_kb) const {
    char line[512];
    std::snprintf(line, sizeof line,
                  "mean: miss reduction NVR vs best of stream/IMP/DVR (pooled over workloads): NSB %.1f%%, off-chip %.1f%% | "
                  "speedup NVR vs none %.2fx (geomean; best other %.2fx) | gain +%lluKB NSB %.1f%% vs +16KB L2 %.1f%% -> %s\n",
                  100 * pooled(), 100 * pooled_off(), std::exp(log_sp / n), std::exp(log_best / n), (unsigned long long)nsb_kb,
                  100 * sum_gn / n, 100 * sum_gl / n, std::abs(sum_gl) > 1e-12 ? fmt("%.1fx", ratio()).c_str() : "n/a");
    return line;
  }
};

}  // namespace

ClaimsResult run_claims(const nlohmann::json& defaults, const nlohmann::json& experiment, const std::string& dir,
                        int threads, labkit::Progress* progress) {
  if (!experiment.is_object() || !experiment.contains("workloads") || !experiment["workloads"].is_array())
    throw labkit::InputError("claims experiment: needs a 'workloads' array");
  SweepCase base;
  if (experiment.contains("base"))
    for (auto& [k, v] : experiment["base"].items()) base.set.emplace_back(k, v);
  const auto base_cfg = case_config(defaults, base);
  const std::uint64_t nsb_kb = base_cfg["nsb"]["size_kb"];
  const std::vector<Variant> variants = claims_variants(base_cfg);
  std::vector<std::string> names;
  const std::vector<SweepCase> cases = claims_cases(experiment, dir, base, variants, names);
  ClaimsResult res;
  res.rows = run_sweep(defaults, cases, threads, progress);
  for (const auto& r : res.rows)
    if (!r.error.empty()) throw labkit::InputError("claims case " + r.c.label + ": " + r.error);

  const std::size_t nv = variants.size();
  res.table = nlohmann::json::array();
  ClaimsMeans means;
  std::string t = table_head(nsb_kb);
  for (std::size_t w = 0; w < names.size(); ++w) {
    VariantStats s;
    for (std::size_t v = 0; v < nv; ++v) s[variants[v].name] = &res.rows[w * nv + v].stats;
    const WorkloadClaims c = compare_workload(s);
    means.add(c);
    const SimStats& none = res.rows[w * nv].stats;
    res.table.push_back(workload_row(names[w], none.demand_lines, s, variants, c));
    t += table_line(names[w], (unsigned long long)none.levels[0].accesses, first_misses(*s["none"]), c);
  }
  res.table.push_back(means.row());
  t += means.line(nsb_kb);
  t.insert(0,
           "accesses: NPU demand lines. miss: NSB demand misses (none / best of stream,IMP,DVR / NVR, reduction).\n"
           "L2: off-chip demand misses (best other / NVR, reduction). speedup: cycles(none) / cycles.\n"
           "gain: NVR with L2 only -> NVR with +16 KB as an NSB, or as one more L2 way; ratio = NSB gain / L2 gain.\n");
  res.text = t;
  return res;
}

}  // namespace labkit::nvr_sim
