#include "sweep.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include <labkit/core/config.h>
#include <labkit/core/error.h>

#include "engine.h"

namespace labkit::nvr_sim {

namespace {

std::string value_text(const nlohmann::json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

nlohmann::json resolve_path(const std::string& key, const nlohmann::json& v, const std::string& dir) {
  if ((key == "workload.matrix" || key == "workload.trace" || key == "workload.b_matrix") && v.is_string()) {
    const auto s = v.get<std::string>();
    if (!s.empty() && s[0] != '/' && !dir.empty()) return dir + "/" + s;
  }
  return v;
}

}  // namespace

std::vector<SweepCase> expand_grid(const nlohmann::json& grid, const std::string& dir) {
  if (!grid.is_object()) throw labkit::InputError("sweep grid: must be a JSON object with 'axes'");
  // Only base, axes and comments: a misspelt "axis" or a claims experiment ("workloads") used to
  // run one case and exit 0 (issue 13).
  for (auto& [k, v] : grid.items()) {
    if (k == "base" || k == "axes" || (!k.empty() && k[0] == '_')) continue;
    throw labkit::InputError("sweep grid: unknown key '" + k + "' (a grid has 'base' and 'axes'" +
                             (k == "workloads" ? "; this looks like a claims experiment: use nvr-sim claims --grid" : "") + ")");
  }
  if (!grid.contains("axes")) throw labkit::InputError("sweep grid: missing 'axes'");
  std::vector<std::pair<std::string, nlohmann::json>> base;
  if (grid.contains("base")) {
    if (!grid["base"].is_object()) throw labkit::InputError("sweep grid: 'base' must be an object");
    for (auto& [k, v] : grid["base"].items()) base.emplace_back(k, resolve_path(k, v, dir));
  }
  std::vector<SweepCase> cases{SweepCase{"", base}};
  if (grid.contains("axes")) {
    if (!grid["axes"].is_object()) throw labkit::InputError("sweep grid: 'axes' must be an object");
    for (auto& [k, values] : grid["axes"].items()) {
      if (!values.is_array() || values.empty())
        throw labkit::InputError("sweep grid: axis '" + k + "' must be a non-empty array");
      std::vector<SweepCase> next;
      for (const auto& c : cases)
        for (const auto& v : values) {
          SweepCase n = c;
          n.set.emplace_back(k, resolve_path(k, v, dir));
          std::string vt = value_text(v);
          if (k == "workload.matrix") vt = vt.substr(vt.find_last_of('/') + 1);
          n.label += (n.label.empty() ? "" : ",") + k + "=" + vt;
          next.push_back(std::move(n));
        }
      cases = std::move(next);
    }
  }
  return cases;
}

nlohmann::json case_config(const nlohmann::json& defaults, const SweepCase& c) {
  labkit::Config cfg(defaults);
  for (const auto& [k, v] : c.set) {
    // Build a nested patch so merge() checks the key and type.
    nlohmann::json patch = v;
    std::string key = k;
    for (auto pos = key.rfind('.'); ; pos = key.rfind('.')) {
      const std::string leaf = pos == std::string::npos ? key : key.substr(pos + 1);
      patch = nlohmann::json{{leaf, patch}};
      if (pos == std::string::npos) break;
      key = key.substr(0, pos);
    }
    cfg.merge(patch, "sweep case " + c.label);
  }
  return cfg.json();
}

namespace {

// The cases to simulate: the given ones, then the baseline of every case (same overrides,
// prefetcher.type = baseline) unless an identical config is already there.
struct CasesWithBaselines {
  std::vector<SweepCase> all;
  std::map<std::string, std::size_t> index;  // config dump -> row
  std::vector<std::string> base_keys;        // per given case: its baseline's config dump, "" for none
};

CasesWithBaselines add_baselines(const nlohmann::json& defaults, const std::vector<SweepCase>& cases) {
  CasesWithBaselines r;
  r.all = cases;
  r.base_keys.resize(cases.size());
  for (std::size_t i = 0; i < r.all.size(); ++i) r.index.emplace(case_config(defaults, r.all[i]).dump(), i);
  for (std::size_t i = 0; i < cases.size(); ++i) {
    auto j = case_config(defaults, cases[i]);
    const auto baseline = j.at("baseline").get<std::string>();
    if (baseline.empty()) continue;
    j["prefetcher"]["type"] = baseline;
    r.base_keys[i] = j.dump();
    if (!r.index.count(r.base_keys[i])) {
      SweepCase b = cases[i];
      b.set.emplace_back("prefetcher.type", baseline);
      b.label += ",baseline";
      r.index.emplace(r.base_keys[i], r.all.size());
      r.all.push_back(std::move(b));
    }
  }
  return r;
}

}  // namespace

std::vector<SweepRow> run_sweep(const nlohmann::json& defaults, const std::vector<SweepCase>& cases, int threads,
                                labkit::Progress* progress) {
  CasesWithBaselines with = add_baselines(defaults, cases);
  const std::vector<SweepCase>& all = with.all;
  std::vector<SweepRow> rows(all.size());
  std::atomic<std::size_t> next{0};
  std::mutex progress_mu;
  // Workloads are built once per distinct (workload, npu) config and shared read-only by the cases
  // that use them; the first thread to need one builds it, the others wait for it.
  struct Shared {
    std::once_flag once;
    std::shared_ptr<const Workload> w;
    std::string error;
  };
  std::mutex cache_mu;
  std::map<std::string, std::shared_ptr<Shared>> cache;
  auto workload_for = [&](const SimConfig& cfg, const nlohmann::json& j) {
    const std::string key = j.at("workload").dump() + j.at("npu").dump();
    std::shared_ptr<Shared> sh;
    {
      std::lock_guard<std::mutex> lock(cache_mu);
      auto& slot = cache[key];
      if (!slot) slot = std::make_shared<Shared>();
      sh = slot;
    }
    std::call_once(sh->once, [&] {
      try {
        sh->w = std::make_shared<const Workload>(make_workload(cfg));
      } catch (const labkit::InputError& e) {
        sh->error = e.what();
      }
    });
    if (!sh->error.empty()) throw labkit::InputError(sh->error);
    return sh->w;
  };
  auto worker = [&] {
    for (std::size_t i; (i = next.fetch_add(1)) < all.size();) {
      SweepRow& r = rows[i];
      r.c = all[i];
      try {
        const auto j = case_config(defaults, all[i]);
        const SimConfig cfg = parse_config(j);
        const auto wl = workload_for(cfg, j);
        const auto t0 = std::chrono::steady_clock::now();
        r.stats = simulate(cfg, *wl);
        r.sim_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      } catch (const labkit::InputError& e) {
        r.error = e.what();
      }
      if (progress) {
        std::lock_guard<std::mutex> lock(progress_mu);
        progress->advance();
      }
    }
  };
  const unsigned n = threads > 0 ? unsigned(threads) : std::max(1u, std::thread::hardware_concurrency());
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < std::min<std::size_t>(n, all.size()); ++t) pool.emplace_back(worker);
  for (auto& t : pool) t.join();
  for (std::size_t i = 0; i < cases.size(); ++i) {
    if (with.base_keys[i].empty() || !rows[i].error.empty()) continue;
    const auto& b = rows[with.index[with.base_keys[i]]];
    if (b.error.empty() && rows[i].stats.cycles > 0) rows[i].speedup = double(b.stats.cycles) / double(rows[i].stats.cycles);
  }
  return rows;
}

std::string sweep_csv(const std::vector<SweepRow>& rows) {
  std::ostringstream os;
  std::vector<std::string> cols;
  for (const auto& r : rows)
    if (r.error.empty()) {
      for (const auto& [k, v] : flat_metrics(r.stats)) cols.push_back(k);
      break;
    }
  os << "case,workload,prefetcher,speedup,sim_seconds,error";
  for (const auto& c : cols) os << ',' << c;
  os << '\n';
  for (const auto& r : rows) {
    os << '"' << r.c.label << "\"," << r.stats.workload << ',' << r.stats.pf.type << ','
       << (r.speedup.is_null() ? std::string() : r.speedup.dump()) << ',' << nlohmann::json(r.sim_seconds).dump()
       << ",\"" << r.error << '"';
    if (r.error.empty()) {
      const auto m = flat_metrics(r.stats);
      std::map<std::string, nlohmann::json> mm(m.begin(), m.end());
      for (const auto& c : cols) os << ',' << (mm.count(c) ? mm[c].dump() : std::string());
    } else {
      for (std::size_t i = 0; i < cols.size(); ++i) os << ',';
    }
    os << '\n';
  }
  return os.str();
}

nlohmann::json sweep_json(const std::vector<SweepRow>& rows) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& r : rows) {
    nlohmann::json j{{"case", r.c.label}, {"speedup", r.speedup}, {"sim_seconds", r.sim_seconds}};
    for (const auto& [k, v] : r.c.set) j["set"][k] = v;
    if (!r.error.empty()) j["error"] = r.error;
    else j["stats"] = to_json(r.stats);
    out.push_back(j);
  }
  return out;
}

}  // namespace labkit::nvr_sim
