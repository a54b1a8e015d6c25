// Event-driven timing model: NPU -> [NSB] -> L2 -> DRAM.
//
// The NPU issues its ops in order (issue_per_cycle lines per cycle, at most max_inflight demand lines
// outstanding, an op waits for its dependency). A miss reserves an MSHR and its completion time is
// computed when it is sent (DRAM timing is a reservation model), so only cache fills and prefetch-queue
// drains are events. Events sit in a calendar queue (event_queue.h) keyed by cycle; the NPU's next issue time and the
// queue head decide the next cycle simulated, so idle cycles are never visited.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include <labkit/core/progress.h>

#include "cache.h"
#include "settings.h"
#include "dram.h"
#include "event_queue.h"
#include "mshr.h"
#include "prefetcher.h"
#include "stats.h"
#include "workload.h"

namespace labkit::nvr_sim {

class Engine : private PrefetchSink {
 public:
  Engine(const SimConfig& cfg, const Workload& w);
  ~Engine() override;
  SimStats run();
  // Report the ops done to `p` while run() works (nullptr: none).
  void set_progress(labkit::Progress* p) { progress_ = p; }

  // Lower-level entry points used by unit tests on hand-made traces.
  // Demand line access at the first level at cycle t; returns the cycle its data is available.
  // A write that covers the whole line (full_line) allocates it without a fetch (write-validate);
  // a narrower write fetches the line first (write-allocate).
  std::uint64_t demand(std::uint64_t addr, std::uint64_t t, bool write, bool full_line = false);
  // Process every event up to and including cycle t.
  void advance_to(std::uint64_t t);
  // Queue a prefetch of addr (as a prefetcher would).
  void prefetch(std::uint64_t addr) override;
  // Start draining the prefetch queue at cycle t (run() does this after each op).
  void kick_prefetch_queue(std::uint64_t t) { schedule_drain(t); }
  // Drain all events; returns the stats so far.
  SimStats finish();

 private:
  // kStore: a write narrower than the line (fetches it: write-allocate); kStoreFull: a write of the
  // whole line (installs it without a fetch: write-validate).
  enum class Req { kDemand, kStore, kStoreFull, kPrefetch, kWriteback };
  static constexpr int kICache = -1;  // level index of the instruction-side first level (program order)
  struct Level {
    CacheConfig cfg;
    Cache cache;
    Mshr mshr;
    LevelStats st;
    Level(const CacheConfig& c) : cfg(c), cache(c), mshr(c.mshrs) { st.name = c.name; }
  };
  std::uint64_t access(int L, std::uint64_t line, std::uint64_t t, Req kind);
  Level& level(int L) { return L == kICache ? *icache_ : *levels_[L]; }
  // Program-order replay (workload.trace_order=program), see engine_program_order.cpp.
  SimStats run_program_order();
  std::uint64_t inorder_access(int L, std::uint64_t first, std::uint64_t last, std::uint64_t t, Req kind);
  void fill(int L, std::uint64_t line, std::uint64_t t);
  void evict(int L, const Cache::Victim& v, std::uint64_t t);
  void drain(std::uint64_t t);
  std::uint64_t stall_for_mshr(std::uint64_t line, std::uint64_t t);
  // fill_mask: levels filled (bit L), deepest first; 0 = prefetch-queue drain.
  void push_event(std::uint64_t t, std::uint32_t fill_mask, std::uint64_t line);
  // Top-level request: runs access() and schedules one fill event for all levels it missed in.
  std::uint64_t request(std::uint64_t line, std::uint64_t t, Req kind);
  void schedule_drain(std::uint64_t t);

  SimConfig cfg_;
  const Workload& w_;
  std::vector<std::unique_ptr<Level>> levels_;
  std::unique_ptr<Level> icache_;
  labkit::Progress* progress_ = nullptr;
  void report_progress(std::size_t i) {
    if (progress_ && (i & 0xFFFF) == 0) progress_->set(static_cast<std::int64_t>(i));
  }  // program order with instruction fetches in the trace: NSB geometry
  Dram dram_;
  int pf_level_ = 0;
  std::uint32_t line_shift_ = 6;
  std::unique_ptr<Prefetcher> pf_;
  PrefetchStats pst_;
  // Fill and drain events in (cycle, creation) order. Payload: the line, with the fill mask in the
  // top 4 bits (lines are < 2^58); mask 0 is a prefetch-queue drain.
  EventQueue<std::uint64_t> events_;
  std::uint64_t now_ = 0;
  std::uint32_t fill_mask_ = 0;  // levels that allocated an MSHR during the current request
  bool drain_scheduled_ = false;
  bool pq_blocked_ = false;  // the drain waits for an MSHR to free
  void pop_queue();
  std::vector<std::uint64_t> pq_;  // ring buffer of prefetch lines
  std::vector<std::uint64_t> pq_filter_;  // line + 1 of queued lines, direct-mapped
  std::size_t pq_head_ = 0, pq_size_ = 0;
  std::uint64_t demand_lines_ = 0, max_completion_ = 0;
};

// Convenience: build, run, check invariants in debug builds.
SimStats simulate(const SimConfig& cfg, const Workload& w, labkit::Progress* progress = nullptr);

}  // namespace labkit::nvr_sim
