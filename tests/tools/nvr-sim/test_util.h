// Helpers shared by the nvr-sim tests.
#pragma once

#include <cstdio>
#include <fstream>
#include <set>
#include <string>

#include "settings.h"
#include "prefetcher.h"
#include "temp_dir.h"

namespace nvr_test {

inline labkit::nvr_sim::SimConfig default_cfg() { return labkit::nvr_sim::parse_config(labkit::nvr_sim::default_config()); }

// Small hierarchy with round numbers for hand-computed timings.
inline nlohmann::json tiny_cfg_json() {
  auto j = labkit::nvr_sim::default_config();
  j["nsb"] = {{"enabled", true}, {"size_kb", 1}, {"ways", 2}, {"line_bytes", 64}, {"latency", 2}, {"mshrs", 4},
              {"repl", "lru"}};
  j["l2"] = {{"enabled", true}, {"size_kb", 4}, {"ways", 4}, {"line_bytes", 64}, {"latency", 10}, {"mshrs", 8},
             {"repl", "lru"}, {"writeback_allocate", true}};
  j["dram"] = {{"latency", 10}, {"bytes_per_cycle", 32}, {"banks", 2}, {"row_bytes", 1024},
               {"t_cas", 5},    {"t_rcd", 5},            {"t_rp", 5},        {"channels", 1},
               {"interleave_bytes", 256}, {"t_refi", 0}, {"t_rfc", 0}};  // refresh off: round hand timings
  j["prefetcher"]["type"] = "none";
  j["prefetcher"]["mshr_reserve"] = 0;
  return j;
}
inline labkit::nvr_sim::SimConfig tiny_cfg() { return labkit::nvr_sim::parse_config(tiny_cfg_json()); }

struct RecordingSink : labkit::nvr_sim::PrefetchSink {
  std::vector<std::uint64_t> addrs;
  void prefetch(std::uint64_t a) override { addrs.push_back(a); }
  std::set<std::uint64_t> set() const { return {addrs.begin(), addrs.end()}; }
};

inline std::string temp_file(const std::string& name, const std::string& contents) {
  static const std::string dir = labkit::test::fresh_temp_dir("nvr_sim");
  const std::string path = dir + "/" + name;
  std::ofstream(path) << contents;
  return path;
}

inline std::string data(const std::string& rel) { return std::string(LABKIT_SHARED_DATA_DIR) + "/" + rel; }

}  // namespace nvr_test
