// Simulator configuration: the JSON defaults (also the schema for --config/--set) and the typed,
// validated structs the model is built from. Every check throws labkit::InputError naming the key.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace nvr {

enum class Repl { kLru, kPlru };

struct CacheConfig {
  bool enabled = true;
  std::uint64_t size_bytes = 0;
  std::uint32_t ways = 0;
  std::uint32_t line_bytes = 64;
  std::uint32_t latency = 1;  // lookup (hit) latency in NPU cycles
  std::uint32_t mshrs = 16;
  Repl repl = Repl::kLru;
  // L2 only: a dirty NSB victim that misses here is installed (true) or passed on to DRAM (false;
  // valgrind's model, which has no writeback traffic, behaves like false).
  bool writeback_allocate = true;
  std::string name;
};

struct DramConfig {
  std::uint32_t latency = 40;         // fixed controller + interconnect latency, cycles
  std::uint32_t bytes_per_cycle = 32; // data-bus bandwidth
  std::uint32_t banks = 16;
  std::uint32_t row_bytes = 2048;
  std::uint32_t t_cas = 14, t_rcd = 14, t_rp = 14;
  std::uint32_t channels = 1;           // independent channels, each with `banks` banks and its own bus
  std::uint32_t interleave_bytes = 256; // consecutive chunks of this size go to consecutive channels
  std::uint32_t t_refi = 7800, t_rfc = 350;  // all-bank refresh every t_refi cycles, lasting t_rfc (0 = off)
};

struct NpuConfig {
  std::uint32_t array_dim = 16;     // systolic array is array_dim x array_dim
  std::uint32_t elem_bytes = 4;     // operand element width (1 int8, 2 fp16, 4 fp32/int32)
  std::uint32_t max_inflight = 16;  // outstanding demand line requests (Gemmini max_in_flight_mem_reqs)
  std::uint32_t issue_per_cycle = 1;
};

struct PrefetchConfig {
  std::string type = "none";  // none|stride|stream|imp|dvr|nvr
  std::string level = "first";  // first (NSB if present, else L2) or l2
  std::uint32_t queue = 64;     // prefetch queue entries
  std::uint32_t issue_per_cycle = 2;
  std::uint32_t mshr_reserve = 4;  // MSHRs kept free for demands
  std::uint32_t degree = 4;        // stride / stream degree
  std::uint32_t distance = 16;     // IMP distance in index elements
  double ewma_alpha = 0.3;         // DVR/NVR loop-bound EWMA
  double ewma_init = 2.0;
  std::uint32_t vector_size = 16;  // NVR SCD lanes per vector prefetch
  std::uint32_t max_lines_per_step = 0;  // runahead window in lines (config key window_lines); 0 = half the fill cache, at most 256
  double throttle_low = 0.1, throttle_high = 0.3;  // NVR accuracy-feedback thresholds
  double throttle_late = 1.0;  // NVR: late / useful above this (with accuracy above throttle_high) widens the window; >= 1 off
};

struct WorkloadConfig {
  std::string kind = "spmm";       // spmm|spmv|sddmm|gnn|embedding_bag|spgemm|trace|champsim
  std::string matrix;              // .mtx path (empty -> generator)
  std::string generator = "uniform";  // uniform|rmat|banded|block|nm
  std::uint32_t rows = 2048, cols = 2048;
  double density = 1.0 / 256;
  std::uint32_t band = 8, block = 16, nm_n = 2, nm_m = 4;
  std::uint32_t dense_cols = 64;   // columns of the dense operand B (SpMM, SDDMM inner dim)
  std::uint64_t seed = 1;
  std::string trace;               // memory-trace file (kind=trace)
  std::uint64_t trace_limit = 0;   // champsim: records read (0 = all)
  std::string trace_order = "timed";  // timed (NPU timing model) | program (one access at a time, in order)
  std::string b_matrix;            // spgemm: .mtx of B (rows = A.cols), stored CSC; empty -> uniform
  double b_density = 1.0 / 256;    // spgemm: density of the generated B (A.cols x dense_cols)
};

struct SimConfig {
  NpuConfig npu;
  CacheConfig nsb, l2;
  DramConfig dram;
  PrefetchConfig pf;
  WorkloadConfig workload;
  std::string baseline = "none";  // prefetcher type of the speedup baseline ("" = no baseline run)
};

// The full default config as JSON (the tool's default_config).
nlohmann::json default_config_json();
// Parse and validate; throws InputError ("<key>: <problem>").
SimConfig parse_config(const nlohmann::json& j);

}  // namespace nvr
