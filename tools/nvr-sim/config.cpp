#include "config.h"

#include <labkit/core/error.h>

namespace nvr {
namespace {

using nlohmann::json;

bool is_pow2(std::uint64_t v) { return v != 0 && (v & (v - 1)) == 0; }

[[noreturn]] void bad(const std::string& key, const std::string& what) {
  throw labkit::InputError("config " + key + ": " + what);
}

template <typename T>
T get(const json& j, const std::string& section, const char* key) {
  try {
    return j.at(section).at(key).get<T>();
  } catch (const json::exception& e) {
    bad(section + "." + key, std::string("missing or wrong type (") + e.what() + ")");
  }
}

CacheConfig parse_cache(const json& j, const std::string& s) {
  CacheConfig c;
  c.name = s;
  c.enabled = get<bool>(j, s, "enabled");
  c.size_bytes = get<std::uint64_t>(j, s, "size_kb") * 1024;
  c.ways = get<std::uint32_t>(j, s, "ways");
  c.line_bytes = get<std::uint32_t>(j, s, "line_bytes");
  c.latency = get<std::uint32_t>(j, s, "latency");
  c.mshrs = get<std::uint32_t>(j, s, "mshrs");
  const auto repl = get<std::string>(j, s, "repl");
  if (repl == "lru") c.repl = Repl::kLru;
  else if (repl == "plru") c.repl = Repl::kPlru;
  else bad(s + ".repl", "unknown replacement policy '" + repl + "' (lru, plru)");
  if (!c.enabled) return c;
  if (c.size_bytes == 0) bad(s + ".size_kb", "cache size must be > 0");
  if (c.ways == 0) bad(s + ".ways", "ways must be > 0");
  if (!is_pow2(c.line_bytes)) bad(s + ".line_bytes", "line size must be a power of two");
  if (c.size_bytes % (std::uint64_t(c.ways) * c.line_bytes) != 0)
    bad(s + ".size_kb", "size is not a multiple of ways x line_bytes");
  const auto sets = c.size_bytes / (std::uint64_t(c.ways) * c.line_bytes);
  if (!is_pow2(sets))
    bad(s + ".size_kb", "number of sets (" + std::to_string(sets) + ") must be a power of two");
  if (c.repl == Repl::kPlru && !is_pow2(c.ways)) bad(s + ".ways", "tree-PLRU needs a power-of-two way count");
  if (c.ways > 64) bad(s + ".ways", "at most 64 ways");
  if (c.mshrs == 0) bad(s + ".mshrs", "need at least one MSHR");
  return c;
}

}  // namespace

nlohmann::json default_config_json() {
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

SimConfig parse_config(const nlohmann::json& j) {
  SimConfig c;
  c.npu.array_dim = get<std::uint32_t>(j, "npu", "array_dim");
  c.npu.elem_bytes = get<std::uint32_t>(j, "npu", "elem_bytes");
  c.npu.max_inflight = get<std::uint32_t>(j, "npu", "max_inflight");
  c.npu.issue_per_cycle = get<std::uint32_t>(j, "npu", "issue_per_cycle");
  if (c.npu.array_dim == 0) bad("npu.array_dim", "must be > 0");
  if (c.npu.elem_bytes != 1 && c.npu.elem_bytes != 2 && c.npu.elem_bytes != 4 && c.npu.elem_bytes != 8)
    bad("npu.elem_bytes", "must be 1, 2, 4 or 8");
  if (c.npu.max_inflight == 0) bad("npu.max_inflight", "must be > 0");
  if (c.npu.issue_per_cycle == 0) bad("npu.issue_per_cycle", "must be > 0");

  c.nsb = parse_cache(j, "nsb");
  c.l2 = parse_cache(j, "l2");
  if (!c.l2.enabled) bad("l2.enabled", "the L2 is required");
  c.l2.writeback_allocate = get<bool>(j, "l2", "writeback_allocate");
  if (c.nsb.enabled && c.nsb.line_bytes != c.l2.line_bytes)
    bad("nsb.line_bytes", "NSB and L2 must use the same line size");

  c.dram.latency = get<std::uint32_t>(j, "dram", "latency");
  c.dram.bytes_per_cycle = get<std::uint32_t>(j, "dram", "bytes_per_cycle");
  c.dram.banks = get<std::uint32_t>(j, "dram", "banks");
  c.dram.row_bytes = get<std::uint32_t>(j, "dram", "row_bytes");
  c.dram.t_cas = get<std::uint32_t>(j, "dram", "t_cas");
  c.dram.t_rcd = get<std::uint32_t>(j, "dram", "t_rcd");
  c.dram.t_rp = get<std::uint32_t>(j, "dram", "t_rp");
  if (c.dram.bytes_per_cycle == 0) bad("dram.bytes_per_cycle", "must be > 0");
  if (c.dram.banks == 0) bad("dram.banks", "must be > 0");
  if (c.dram.row_bytes < c.l2.line_bytes) bad("dram.row_bytes", "must be at least one cache line");
  c.dram.channels = get<std::uint32_t>(j, "dram", "channels");
  c.dram.interleave_bytes = get<std::uint32_t>(j, "dram", "interleave_bytes");
  c.dram.t_refi = get<std::uint32_t>(j, "dram", "t_refi");
  c.dram.t_rfc = get<std::uint32_t>(j, "dram", "t_rfc");
  if (c.dram.channels == 0) bad("dram.channels", "must be > 0");
  if (c.dram.interleave_bytes < c.l2.line_bytes || c.dram.interleave_bytes % c.l2.line_bytes != 0)
    bad("dram.interleave_bytes", "must be a multiple of the line size");
  if (c.dram.t_refi != 0 && c.dram.t_rfc >= c.dram.t_refi)
    bad("dram.t_rfc", "refresh must take less than t_refi (t_refi 0 turns refresh off)");

  const std::string p = "prefetcher";
  c.pf.type = get<std::string>(j, p, "type");
  static const char* kTypes[] = {"none", "stride", "stream", "imp", "dvr", "nvr"};
  bool known = false;
  for (auto* t : kTypes) known |= c.pf.type == t;
  if (!known) bad("prefetcher.type", "unknown prefetcher '" + c.pf.type + "' (none, stride, stream, imp, dvr, nvr)");
  c.pf.level = get<std::string>(j, p, "level");
  if (c.pf.level != "first" && c.pf.level != "l2") bad("prefetcher.level", "must be 'first' or 'l2'");
  c.pf.queue = get<std::uint32_t>(j, p, "queue");
  c.pf.issue_per_cycle = get<std::uint32_t>(j, p, "issue_per_cycle");
  c.pf.mshr_reserve = get<std::uint32_t>(j, p, "mshr_reserve");
  c.pf.degree = get<std::uint32_t>(j, p, "degree");
  c.pf.distance = get<std::uint32_t>(j, p, "distance");
  c.pf.ewma_alpha = get<double>(j, p, "ewma_alpha");
  c.pf.ewma_init = get<double>(j, p, "ewma_init");
  c.pf.vector_size = get<std::uint32_t>(j, p, "vector_size");
  c.pf.max_lines_per_step = get<std::uint32_t>(j, p, "window_lines");
  c.pf.throttle_low = get<double>(j, p, "throttle_low");
  c.pf.throttle_high = get<double>(j, p, "throttle_high");
  c.pf.throttle_late = get<double>(j, p, "throttle_late");
  if (!(c.pf.throttle_late > 0)) bad("prefetcher.throttle_late", "must be > 0 (1 or more turns lateness widening off)");
  if (c.pf.queue == 0) bad("prefetcher.queue", "must be > 0");
  if (c.pf.issue_per_cycle == 0) bad("prefetcher.issue_per_cycle", "must be > 0");
  if (c.pf.ewma_alpha <= 0 || c.pf.ewma_alpha > 1) bad("prefetcher.ewma_alpha", "must be in (0, 1]");
  if (c.pf.vector_size == 0 || c.pf.vector_size > 127) bad("prefetcher.vector_size", "must be in 1..127 (7-bit field)");

  const std::string w = "workload";
  c.workload.kind = get<std::string>(j, w, "kind");
  static const char* kKinds[] = {"spmm", "spmv", "sddmm", "gnn", "embedding_bag", "spgemm", "trace", "champsim"};
  known = false;
  for (auto* k : kKinds) known |= c.workload.kind == k;
  if (!known) bad("workload.kind", "unknown workload '" + c.workload.kind + "' (spmm, spmv, sddmm, gnn, embedding_bag, spgemm, trace, champsim)");
  c.workload.matrix = get<std::string>(j, w, "matrix");
  c.workload.generator = get<std::string>(j, w, "generator");
  c.workload.rows = get<std::uint32_t>(j, w, "rows");
  c.workload.cols = get<std::uint32_t>(j, w, "cols");
  c.workload.density = get<double>(j, w, "density");
  c.workload.band = get<std::uint32_t>(j, w, "band");
  c.workload.block = get<std::uint32_t>(j, w, "block");
  c.workload.nm_n = get<std::uint32_t>(j, w, "nm_n");
  c.workload.nm_m = get<std::uint32_t>(j, w, "nm_m");
  c.workload.dense_cols = get<std::uint32_t>(j, w, "dense_cols");
  c.workload.seed = get<std::uint64_t>(j, w, "seed");
  c.workload.trace = get<std::string>(j, w, "trace");
  c.workload.b_matrix = get<std::string>(j, w, "b_matrix");
  c.workload.b_density = get<double>(j, w, "b_density");
  if (c.workload.kind == "spgemm" && c.workload.b_matrix.empty() && !(c.workload.b_density > 0 && c.workload.b_density <= 1))
    bad("workload.b_density", "must be in (0, 1]");
  if (c.workload.dense_cols == 0) bad("workload.dense_cols", "must be > 0");
  const bool trace_kind = c.workload.kind == "trace" || c.workload.kind == "champsim";
  if (trace_kind && c.workload.trace.empty()) bad("workload.trace", "kind=" + c.workload.kind + " needs a trace file");
  c.workload.trace_limit = get<std::uint64_t>(j, w, "trace_limit");
  c.workload.trace_order = get<std::string>(j, w, "trace_order");
  if (c.workload.trace_order != "timed" && c.workload.trace_order != "program")
    bad("workload.trace_order", "must be 'timed' or 'program'");
  if (c.workload.trace_order == "program") {
    if (!trace_kind) bad("workload.trace_order", "'program' replays a trace: needs workload.kind=trace or champsim");
    if (c.pf.type != "none") bad("prefetcher.type", "program-order replay models no prefetcher: set it to none");
  }

  c.baseline = j.at("baseline").get<std::string>();
  if (!c.baseline.empty()) {
    known = false;
    for (auto* t : kTypes) known |= c.baseline == t;
    if (!known) bad("baseline", "unknown prefetcher '" + c.baseline + "'");
    if (c.workload.trace_order == "program" && c.baseline != "none")
      bad("baseline", "program-order replay models no prefetcher: use none or \"\"");
  }
  return c;
}

}  // namespace nvr
