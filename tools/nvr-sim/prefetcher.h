// One interface for all prefetchers. The engine calls on_access for each NPU memory op (a vector
// access, possibly several lines) after the demand lookup, on_compute when the NPU reaches a compute
// step, and on_feedback when a prefetched line is first used (true) or evicted unused (false);
// on_late just before on_feedback(true) when that first use found the prefetch still in flight.
// Prefetchers push byte addresses into the sink; the engine maps them to lines, filters and queues them.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "settings.h"
#include "workload.h"

namespace labkit::nvr_sim {

struct MemAccess {
  std::uint64_t addr = 0;
  std::uint32_t size = 0;
  std::uint64_t pc = 0;
  bool write = false;
  bool miss = false;       // any line of it missed in the cache the prefetcher fills
  std::uint32_t aux = 0;
  std::uint64_t cycle = 0;
};

class PrefetchSink {
 public:
  virtual ~PrefetchSink() = default;
  virtual void prefetch(std::uint64_t addr) = 0;
  // Prefetch every line of [addr, addr + size).
  void prefetch_range(std::uint64_t addr, std::uint32_t size, std::uint32_t line_bytes) {
    if (size == 0) return;
    const std::uint64_t first = addr / line_bytes, last = (addr + size - 1) / line_bytes;
    for (std::uint64_t l = first; l <= last; ++l) prefetch(l * line_bytes);
  }
};

class Prefetcher {
 public:
  virtual ~Prefetcher() = default;
  virtual std::string name() const = 0;
  virtual void on_access(const MemAccess& a, PrefetchSink& out) = 0;
  virtual void on_compute(const Op& op, std::uint64_t cycle, PrefetchSink& out) {}
  virtual void on_feedback(bool useful) {}
  virtual void on_late() {}
  virtual nlohmann::json stats() const { return nlohmann::json::object(); }
};

struct PrefetcherContext {
  PrefetchConfig cfg;
  const KernelDesc* desc = nullptr;
  std::uint32_t line_bytes = 64;
  std::uint32_t fill_cache_lines = 256;  // capacity of the cache prefetches fill (for throttling caps)
};

// Factory; throws InputError for an unknown type.
std::unique_ptr<Prefetcher> make_prefetcher(const PrefetcherContext& ctx);

// One constructor per file (prefetch_*.cpp).
std::unique_ptr<Prefetcher> make_no_prefetcher();
std::unique_ptr<Prefetcher> make_stride_prefetcher(const PrefetcherContext& ctx);
std::unique_ptr<Prefetcher> make_stream_prefetcher(const PrefetcherContext& ctx);
std::unique_ptr<Prefetcher> make_imp_prefetcher(const PrefetcherContext& ctx);
std::unique_ptr<Prefetcher> make_dvr_prefetcher(const PrefetcherContext& ctx);
std::unique_ptr<Prefetcher> make_nvr_prefetcher(const PrefetcherContext& ctx);

}  // namespace labkit::nvr_sim
