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

}  // namespace

// Step 3 (below): simulate, then one table row per workload and the means. The row arithmetic
// shares its accumulators with the means, so it stays in one loop (about 80 lines).
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
  auto first_misses = [](const SimStats& s) { return double(s.levels[0].misses); };
  // Off-chip: demand misses of the last level (each one a DRAM read the NPU waited for or merged into).
  auto offchip = [](const SimStats& s) { return double(s.levels.back().misses); };
  res.table = nlohmann::json::array();
  double sum_red = 0, sum_red_off = 0, log_sp = 0, log_best = 0, sum_gn = 0, sum_gl = 0;
  // Pooled over workloads (sum of misses): not dominated by workloads with a handful of misses.
  double pool_best = 0, pool_nvr = 0, pool_off_best = 0, pool_off_nvr = 0;
  char head[512];
  std::snprintf(head, sizeof head, "%-14s %8s | %8s %-6s %8s %8s %7s | %7s %7s %7s | %7s %13s | %8s %8s %7s\n", "workload",
                "accesses", "miss:none", "best", "best", "nvr", "reduct", "L2:best", "L2:nvr", "reduct", "nvr", "best-other",
                ("+" + std::to_string(nsb_kb) + "KB-NSB").c_str(), "+16KB-L2", "ratio");
  std::string t = head;
  for (std::size_t w = 0; w < names.size(); ++w) {
    std::map<std::string, const SimStats*> s;
    for (std::size_t v = 0; v < nv; ++v) s[variants[v].name] = &res.rows[w * nv + v].stats;
    const char* others[] = {"stream", "imp", "dvr"};
    const char* best = others[0];
    for (auto* o : others)
      if (first_misses(*s[o]) < first_misses(*s[best])) best = o;
    const char* best_sp = others[0];
    for (auto* o : others)
      if (s[o]->cycles < s[best_sp]->cycles) best_sp = o;
    const double m_best = first_misses(*s[best]), m_nvr = first_misses(*s["nvr"]);
    const double red = m_best > 0 ? 1.0 - m_nvr / m_best : 0.0;
    const char* best_off = others[0];
    for (auto* o : others)
      if (offchip(*s[o]) < offchip(*s[best_off])) best_off = o;
    const double o_best = offchip(*s[best_off]), o_nvr = offchip(*s["nvr"]);
    const double red_off = o_best > 0 ? 1.0 - o_nvr / o_best : 0.0;
    const double sp = double(s["none"]->cycles) / double(s["nvr"]->cycles);
    const double sp_best = double(s["none"]->cycles) / double(s[best_sp]->cycles);
    const double gn = double(s["nvr_l2"]->cycles) / double(s["nvr"]->cycles) - 1.0;
    const double gl = double(s["nvr_l2"]->cycles) / double(s["nvr_l2+16"]->cycles) - 1.0;
    const double ratio = std::abs(gl) > 1e-9 ? gn / gl : 0.0;
    sum_red_off += red_off;
    pool_best += m_best, pool_nvr += m_nvr, pool_off_best += o_best, pool_off_nvr += o_nvr;
    sum_red += red, log_sp += std::log(sp), log_best += std::log(sp_best), sum_gn += gn, sum_gl += gl;
    nlohmann::json row{{"workload", names[w]}, {"accesses", res.rows[w * nv].stats.demand_lines},
                       {"misses_none", first_misses(*s["none"])}, {"best_other", best},
                       {"misses_best_other", m_best}, {"misses_nvr", m_nvr}, {"miss_reduction", red},
                       {"offchip_best_other", best_off}, {"offchip_misses_best_other", o_best},
                       {"offchip_misses_nvr", o_nvr}, {"offchip_miss_reduction", red_off},
                       {"nvr_accuracy", s["nvr"]->pf.issued ? double(s["nvr"]->pf.useful) / double(s["nvr"]->pf.issued) : 0.0},
                       {"speedup_nvr", sp}, {"best_other_speedup_prefetcher", best_sp}, {"speedup_best_other", sp_best},
                       {"gain_nsb", gn}, {"gain_l2_plus_16kb", gl}, {"gain_ratio", ratio}};
    for (std::size_t v = 0; v < nv; ++v) {
      row["cycles"][variants[v].name] = s[variants[v].name]->cycles;
      row["misses"][variants[v].name] = first_misses(*s[variants[v].name]);
      row["offchip_misses"][variants[v].name] = offchip(*s[variants[v].name]);
    }
    res.table.push_back(row);
    char line[512];
    std::snprintf(line, sizeof line,
                  "%-14s %8llu | %8.0f %-6s %8.0f %8.0f %6.1f%% | %7.0f %7.0f %6.1f%% | %6.2fx %7.2fx %-5s | %7.1f%% %7.1f%% %7s\n",
                  names[w].c_str(), (unsigned long long)res.rows[w * nv].stats.levels[0].accesses,
                  first_misses(*s["none"]), best, m_best, m_nvr, 100 * red, o_best, o_nvr, 100 * red_off, sp, sp_best,
                  best_sp, 100 * gn, 100 * gl, std::abs(gl) > 1e-9 ? fmt("%.1fx", ratio).c_str() : "n/a");
    t += line;
  }
  const double n = double(names.size());
  const double mean_ratio = std::abs(sum_gl) > 1e-12 ? sum_gn / sum_gl : 0.0;
  const double pooled = pool_best > 0 ? 1.0 - pool_nvr / pool_best : 0.0;
  const double pooled_off = pool_off_best > 0 ? 1.0 - pool_off_nvr / pool_off_best : 0.0;
  nlohmann::json mean{{"workload", "mean"}, {"miss_reduction", sum_red / n}, {"offchip_miss_reduction", sum_red_off / n},
                      {"miss_reduction_pooled", pooled}, {"offchip_miss_reduction_pooled", pooled_off}, {"speedup_nvr_geomean", std::exp(log_sp / n)},
                      {"speedup_best_other_geomean", std::exp(log_best / n)}, {"gain_nsb", sum_gn / n},
                      {"gain_l2_plus_16kb", sum_gl / n}, {"gain_ratio_of_means", mean_ratio}};
  res.table.push_back(mean);
  char line[512];
  std::snprintf(line, sizeof line,
                "mean: miss reduction NVR vs best of stream/IMP/DVR (pooled over workloads): NSB %.1f%%, off-chip %.1f%% | "
                "speedup NVR vs none %.2fx (geomean; best other %.2fx) | gain +%lluKB NSB %.1f%% vs +16KB L2 %.1f%% -> %s\n",
                100 * pooled, 100 * pooled_off, std::exp(log_sp / n), std::exp(log_best / n), (unsigned long long)nsb_kb,
                100 * sum_gn / n, 100 * sum_gl / n, std::abs(sum_gl) > 1e-12 ? fmt("%.1fx", mean_ratio).c_str() : "n/a");
  t += line;
  t.insert(0,
           "accesses: NPU demand lines. miss: NSB demand misses (none / best of stream,IMP,DVR / NVR, reduction).\n"
           "L2: off-chip demand misses (best other / NVR, reduction). speedup: cycles(none) / cycles.\n"
           "gain: NVR with L2 only -> NVR with +16 KB as an NSB, or as one more L2 way; ratio = NSB gain / L2 gain.\n");
  res.text = t;
  return res;
}

}  // namespace labkit::nvr_sim
