#include "settings.h"

#include <fmt/format.h>

#include <limits>
#include <string>
#include <vector>

#include <labkit/core/config.h>
#include <labkit/core/settings.h>

namespace labkit::nvr_sim {
namespace {

using labkit::Config;
using nlohmann::json;

bool is_pow2(std::uint64_t v) { return v != 0 && (v & (v - 1)) == 0; }

// Checks that are not a single key's range (geometry, relations between keys), in the same
// "config <key>: <problem>" form as labkit's range helpers.
[[noreturn]] void bad(const std::string& key, const std::string& what) { throw labkit::config_error(key, what); }

std::string name(const std::string& section, const char* key) { return section.empty() ? key : section + "." + key; }

// Range checks are labkit's (labkit/core/settings.h), so the messages read as in every other tool:
// "config nsb.size_kb: must be in [1, 1048576], got 0".
std::uint64_t uint_in(const Config& c, const std::string& section, const char* key, std::uint64_t lo, std::uint64_t hi) {
  return static_cast<std::uint64_t>(labkit::int_in(c, name(section, key), static_cast<std::int64_t>(lo),
                                                   static_cast<std::int64_t>(hi)));
}

std::uint32_t u32_in(const Config& c, const std::string& section, const char* key, std::uint32_t lo, std::uint32_t hi) {
  return static_cast<std::uint32_t>(uint_in(c, section, key, lo, hi));
}

// The seed takes every 64-bit unsigned value, more than int_in's signed range holds.
std::uint64_t seed_at(const Config& c, const std::string& key) {
  const json& v = c.at(key);
  if (v.is_number_unsigned()) return v.get<std::uint64_t>();
  if (v.is_number_integer() && v.get<std::int64_t>() < 0)
    bad(key, fmt::format("must be in [0, {}], got {}", std::numeric_limits<std::uint64_t>::max(), v.get<std::int64_t>()));
  return static_cast<std::uint64_t>(labkit::int_in(c, key, 0, std::numeric_limits<std::int64_t>::max()));
}

// A finite number in [lo, hi]; with lo_open, lo itself is refused too ((lo, hi], lo being 0 here).
double real_in(const Config& c, const std::string& section, const char* key, double lo, double hi, bool lo_open = false) {
  if (lo_open) labkit::positive(c, name(section, key));
  return labkit::number_in(c, name(section, key), lo, hi);
}

bool boolean(const Config& c, const std::string& section, const char* key) {
  const json& v = c.at(name(section, key));
  if (!v.is_boolean()) bad(name(section, key), "must be true or false, got " + v.dump());
  return v.get<bool>();
}

std::string str(const Config& c, const std::string& section, const char* key) {
  const json& v = c.at(name(section, key));
  if (!v.is_string()) bad(name(section, key), "must be a string, got " + v.dump());
  return v.get<std::string>();
}

std::string one_of(const Config& c, const std::string& section, const char* key, const std::vector<std::string>& options) {
  return labkit::one_of(c, name(section, key), options);
}

const std::vector<std::string> kPrefetchers = {"none", "stride", "stream", "imp", "dvr", "nvr"};
constexpr std::uint64_t kMaxCacheKb = 1u << 20;  // 1 GiB: tags and bits of every line are kept in memory
constexpr std::uint32_t kBig = 1u << 30;          // cycles and counts without a natural bound

CacheConfig parse_cache(const Config& j, const std::string& s) {
  CacheConfig c;
  c.name = s;
  c.enabled = boolean(j, s, "enabled");
  c.size_bytes = uint_in(j, s, "size_kb", 1, kMaxCacheKb) * 1024;
  c.ways = u32_in(j, s, "ways", 1, 64);
  c.line_bytes = u32_in(j, s, "line_bytes", 4, 4096);
  c.latency = u32_in(j, s, "latency", 0, kBig);
  c.mshrs = u32_in(j, s, "mshrs", 1, 1u << 16);
  c.repl = one_of(j, s, "repl", {"lru", "plru"}) == "lru" ? Repl::kLru : Repl::kPlru;
  c.writeback_allocate = true;  // only the L2 has the key (parse_config)
  if (!c.enabled) return c;  // ranges are checked always, the geometry only when the cache is used
  if (!is_pow2(c.line_bytes)) bad(s + ".line_bytes", "line size must be a power of two");
  if (c.size_bytes % (std::uint64_t(c.ways) * c.line_bytes) != 0)
    bad(s + ".size_kb", "size is not a multiple of ways x line_bytes");
  const auto sets = c.size_bytes / (std::uint64_t(c.ways) * c.line_bytes);
  if (!is_pow2(sets))
    bad(s + ".size_kb", "number of sets (" + std::to_string(sets) + ") must be a power of two");
  if (c.repl == Repl::kPlru && !is_pow2(c.ways)) bad(s + ".ways", "tree-PLRU needs a power-of-two way count");
  return c;
}

}  // namespace

nlohmann::json default_config() {
  return json{
      {"npu", {{"array_dim", 16}, {"elem_bytes", 4}, {"max_inflight", 16}, {"issue_per_cycle", 1}}},
      {"nsb",
       {{"enabled", true}, {"size_kb", 16}, {"ways", 4}, {"line_bytes", 64}, {"latency", 2}, {"mshrs", 64},
        {"repl", "plru"}}},
      {"l2",
       {{"enabled", true}, {"size_kb", 256}, {"ways", 16}, {"line_bytes", 64}, {"latency", 12}, {"mshrs", 64},
        {"repl", "lru"}, {"writeback_allocate", true}}},
      {"dram",
       {{"latency", 40}, {"bytes_per_cycle", 32}, {"banks", 32}, {"row_bytes", 2048}, {"t_cas", 14},
        {"t_rcd", 14}, {"t_rp", 14}, {"channels", 1}, {"interleave_bytes", 256}, {"t_refi", 7800},
        {"t_rfc", 350}}},
      {"prefetcher",
       {{"type", "nvr"}, {"level", "first"}, {"queue", 64}, {"issue_per_cycle", 2}, {"mshr_reserve", 4},
        {"degree", 4}, {"distance", 16}, {"ewma_alpha", 0.3}, {"ewma_init", 2.0}, {"vector_size", 16},
        {"window_lines", 0}, {"throttle_low", 0.1}, {"throttle_high", 0.3},
        {"throttle_late", 1.0}}},
      {"workload",
       {{"kind", "spmm"}, {"matrix", ""}, {"generator", "uniform"}, {"rows", 2048}, {"cols", 2048},
        {"density", 1.0 / 256}, {"band", 8}, {"block", 16}, {"nm_n", 2}, {"nm_m", 4}, {"dense_cols", 64},
        {"seed", 1}, {"trace", ""}, {"trace_order", "timed"}, {"trace_limit", 0}, {"b_matrix", ""}, {"b_density", 1.0 / 256}}},
      {"baseline", "none"},
  };
}

namespace {

// The sections, each in its own step; parse_config checks the relations between them.
NpuConfig parse_npu(const Config& j) {
  NpuConfig n;
  n.array_dim = u32_in(j, "npu", "array_dim", 1, 4096);
  n.elem_bytes = u32_in(j, "npu", "elem_bytes", 1, 8);
  if (!is_pow2(n.elem_bytes)) bad("npu.elem_bytes", "must be 1, 2, 4 or 8");
  n.max_inflight = u32_in(j, "npu", "max_inflight", 1, 1u << 16);
  n.issue_per_cycle = u32_in(j, "npu", "issue_per_cycle", 1, 1024);
  return n;
}

DramConfig parse_dram(const Config& j, std::uint32_t line_bytes) {
  const std::string d = "dram";
  DramConfig c;
  c.latency = u32_in(j, d, "latency", 0, kBig);
  c.bytes_per_cycle = u32_in(j, d, "bytes_per_cycle", 1, 1u << 16);
  c.banks = u32_in(j, d, "banks", 1, 1024);
  c.row_bytes = u32_in(j, d, "row_bytes", line_bytes, 1u << 24);
  c.t_cas = u32_in(j, d, "t_cas", 0, kBig);
  c.t_rcd = u32_in(j, d, "t_rcd", 0, kBig);
  c.t_rp = u32_in(j, d, "t_rp", 0, kBig);
  c.channels = u32_in(j, d, "channels", 1, 256);
  c.interleave_bytes = u32_in(j, d, "interleave_bytes", line_bytes, 1u << 24);
  if (c.interleave_bytes % line_bytes != 0) bad("dram.interleave_bytes", "must be a multiple of the line size");
  c.t_refi = u32_in(j, d, "t_refi", 0, kBig);
  c.t_rfc = u32_in(j, d, "t_rfc", 0, kBig);
  if (c.t_refi != 0 && c.t_rfc >= c.t_refi)
    bad("dram.t_rfc", "refresh must take less than t_refi (t_refi 0 turns refresh off)");
  return c;
}

PrefetchConfig parse_prefetcher(const Config& j) {
  const std::string p = "prefetcher";
  PrefetchConfig c;
  c.type = one_of(j, p, "type", kPrefetchers);
  c.level = one_of(j, p, "level", {"first", "l2"});
  c.queue = u32_in(j, p, "queue", 1, 1u << 16);
  c.issue_per_cycle = u32_in(j, p, "issue_per_cycle", 1, 1024);
  c.mshr_reserve = u32_in(j, p, "mshr_reserve", 0, 1u << 16);
  c.degree = u32_in(j, p, "degree", 1, 1024);
  c.distance = u32_in(j, p, "distance", 1, 1u << 16);
  c.ewma_alpha = real_in(j, p, "ewma_alpha", 0, 1, true);
  c.ewma_init = real_in(j, p, "ewma_init", 0, 1e6);
  c.vector_size = u32_in(j, p, "vector_size", 1, 127);  // the SCD's 7-bit field
  c.window_lines = u32_in(j, p, "window_lines", 0, kBig);
  c.throttle_low = real_in(j, p, "throttle_low", 0, 1);
  c.throttle_high = real_in(j, p, "throttle_high", 0, 1);
  if (c.throttle_low > c.throttle_high) bad("prefetcher.throttle_low", "must not exceed throttle_high");
  c.throttle_late = real_in(j, p, "throttle_late", 0, 1e6, true);  // 1 or more turns lateness widening off
  return c;
}

WorkloadConfig parse_workload(const Config& j) {
  const std::string w = "workload";
  WorkloadConfig c;
  c.kind = one_of(j, w, "kind", {"spmm", "spmv", "sddmm", "gnn", "embedding_bag", "spgemm", "trace", "champsim"});
  c.matrix = str(j, w, "matrix");
  c.generator = str(j, w, "generator");  // checked by generate_matrix, which knows the list
  c.rows = u32_in(j, w, "rows", 1, 1u << 24);
  c.cols = u32_in(j, w, "cols", 1, 1u << 24);
  c.density = real_in(j, w, "density", 0, 1, true);
  c.band = u32_in(j, w, "band", 0, 1u << 24);
  c.block = u32_in(j, w, "block", 1, 4096);
  c.nm_n = u32_in(j, w, "nm_n", 1, 1024);
  c.nm_m = u32_in(j, w, "nm_m", 1, 1024);
  if (c.nm_n > c.nm_m) bad("workload.nm_n", "must not exceed nm_m");
  c.dense_cols = u32_in(j, w, "dense_cols", 1, 1u << 16);
  c.seed = seed_at(j, "workload.seed");
  c.trace = str(j, w, "trace");
  c.trace_limit = uint_in(j, w, "trace_limit", 0, std::uint64_t(1) << 62);
  c.trace_order = one_of(j, w, "trace_order", {"timed", "program"});
  c.b_matrix = str(j, w, "b_matrix");
  c.b_density = real_in(j, w, "b_density", 0, 1, true);
  // A generated matrix is held in memory: bound its expected size (4 bytes per nonzero).
  if (c.matrix.empty() && c.kind != "trace" && c.kind != "champsim" &&
      double(c.rows) * double(c.cols) * c.density > double(1u << 30))
    bad("workload.density", "rows x cols x density is over 2^30 nonzeros (the generated matrix would not fit)");
  const bool trace_kind = c.kind == "trace" || c.kind == "champsim";
  if (trace_kind && c.trace.empty()) bad("workload.trace", "kind=" + c.kind + " needs a trace file");
  if (c.trace_order == "program" && !trace_kind)
    bad("workload.trace_order", "'program' replays a trace: needs workload.kind=trace or champsim");
  return c;
}

}  // namespace

SimConfig parse_config(const nlohmann::json& config) {
  const Config j(config);
  SimConfig c;
  c.npu = parse_npu(j);
  c.nsb = parse_cache(j, "nsb");
  c.l2 = parse_cache(j, "l2");
  if (!c.l2.enabled) bad("l2.enabled", "the L2 is required");
  c.l2.writeback_allocate = boolean(j, "l2", "writeback_allocate");
  if (c.nsb.enabled && c.nsb.line_bytes != c.l2.line_bytes)
    bad("nsb.line_bytes", "NSB and L2 must use the same line size");
  c.dram = parse_dram(j, c.l2.line_bytes);
  c.pf = parse_prefetcher(j);
  c.workload = parse_workload(j);
  if (c.workload.trace_order == "program" && c.pf.type != "none")
    bad("prefetcher.type", "program-order replay models no prefetcher: set it to none");
  c.baseline = str(j, "", "baseline");
  if (!c.baseline.empty()) {  // "" = no baseline run
    one_of(j, "", "baseline", kPrefetchers);
    if (c.workload.trace_order == "program" && c.baseline != "none")
      bad("baseline", "program-order replay models no prefetcher: use none or \"\"");
  }
  return c;
}

}  // namespace labkit::nvr_sim
