// Simulator configuration: the JSON defaults (also the schema for --config/--set) and the typed,
// validated structs the model is built from. The JSON in settings.cpp is the only place defaults are
// stated (the structs have none: build them with parse_config(default_config()), then edit).
// Every numeric key has a range, checked once in parse_config; errors name the key.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace labkit::nvr_sim {

enum class Repl { kLru, kPlru };

struct CacheConfig {
  bool enabled{};
  std::uint64_t size_bytes{};
  std::uint32_t ways{};
  std::uint32_t line_bytes{};
  std::uint32_t latency{};  // lookup (hit) latency in NPU cycles
  std::uint32_t mshrs{};
  Repl repl{};
  // L2 only: a dirty NSB victim that misses here is installed (true) or passed on to DRAM (false;
  // valgrind's model, which has no writeback traffic, behaves like false).
  bool writeback_allocate{};
  std::string name{};
};

struct DramConfig {
  std::uint32_t latency{};         // fixed controller + interconnect latency, cycles
  std::uint32_t bytes_per_cycle{}; // data-bus bandwidth
  std::uint32_t banks{};
  std::uint32_t row_bytes{};
  std::uint32_t t_cas{}, t_rcd{}, t_rp{};
  std::uint32_t channels{};           // independent channels, each with `banks` banks and its own bus
  std::uint32_t interleave_bytes{}; // consecutive chunks of this size go to consecutive channels
  std::uint32_t t_refi{}, t_rfc{};  // all-bank refresh every t_refi cycles, lasting t_rfc (0 = off)
};

struct NpuConfig {
  std::uint32_t array_dim{};     // systolic array is array_dim x array_dim
  std::uint32_t elem_bytes{};     // operand element width (1 int8, 2 fp16, 4 fp32/int32)
  std::uint32_t max_inflight{};  // outstanding demand line requests (Gemmini max_in_flight_mem_reqs)
  std::uint32_t issue_per_cycle{};
};

struct PrefetchConfig {
  std::string type{};  // none|stride|stream|imp|dvr|nvr
  std::string level{};  // first (NSB if present, else L2) or l2
  std::uint32_t queue{};     // prefetch queue entries
  std::uint32_t issue_per_cycle{};
  std::uint32_t mshr_reserve{};  // MSHRs kept free for demands
  std::uint32_t degree{};        // stride / stream degree
  std::uint32_t distance{};     // IMP distance in index elements
  double ewma_alpha{};         // DVR/NVR loop-bound EWMA
  double ewma_init{};
  std::uint32_t vector_size{};  // NVR SCD lanes per vector prefetch
  std::uint32_t window_lines{};  // runahead window in lines; 0 = half the fill cache, at most 256
  double throttle_low{}, throttle_high{};  // NVR accuracy-feedback thresholds
  double throttle_late{};  // NVR: late / useful above this (with accuracy above throttle_high) widens the window; >= 1 off
};

struct WorkloadConfig {
  std::string kind{};       // spmm|spmv|sddmm|gnn|embedding_bag|spgemm|trace|champsim
  std::string matrix{};              // .mtx path (empty -> generator)
  std::string generator{};  // uniform|rmat|banded|block|nm
  std::uint32_t rows{}, cols{};
  double density{};
  std::uint32_t band{}, block{}, nm_n{}, nm_m{};
  std::uint32_t dense_cols{};   // columns of the dense operand B (SpMM, SDDMM inner dim)
  std::uint64_t seed{};
  std::string trace{};               // memory-trace file (kind=trace)
  std::uint64_t trace_limit{};   // champsim: records read (0 = all)
  std::string trace_order{};  // timed (NPU timing model) | program (one access at a time, in order)
  std::string b_matrix{};            // spgemm: .mtx of B (rows = A.cols), stored CSC; empty -> uniform
  double b_density{};    // spgemm: density of the generated B (A.cols x dense_cols)
};

struct SimConfig {
  NpuConfig npu;
  CacheConfig nsb, l2;
  DramConfig dram;
  PrefetchConfig pf;
  WorkloadConfig workload;
  std::string baseline{};  // prefetcher type of the speedup baseline ("" = no baseline run)
};

// The full default config as JSON (the tool's ToolSpec::default_config).
nlohmann::json default_config();
// The settings struct is SimConfig, read from JSON rather than from a labkit::Config (CONTRIBUTING
// section 3 allows it): sweep and claims build one per case from the defaults merged with the case's keys.
// Parse and validate; throws InputError ("<key>: <problem>").
SimConfig parse_config(const nlohmann::json& j);

}  // namespace labkit::nvr_sim
