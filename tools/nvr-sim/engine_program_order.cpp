// Program-order replay of a trace (workload.trace_order=program).
//
// One access at a time, in trace order, each waiting for the previous one to complete (no overlap,
// no store unit, no prefetcher), so the caches see exactly the trace's sequence. The conventions are
// valgrind's cache simulator's (cachegrind/callgrind), so that miss counts can be compared with it
// exactly (tests/tools/nvr-sim/valgrind_agreement.py):
//  - an access counts once at each level it reaches, and misses there if any of its lines misses;
//  - on a miss every line of the access is looked up at the next level (an access that straddles a
//    line boundary touches two lines at both levels), and the missing lines are fetched;
//  - replacement is the cache's own (LRU to match valgrind); stores narrower than their lines fetch
//    them (write-allocate), stores of whole lines do not (write-validate, as in the timed model);
//  - instruction fetches ('I' trace lines) go through an instruction-side first level with the NSB's
//    geometry (valgrind's --I1 equal to --D1), whose misses are looked up in the L2 as reads.
// Writebacks of dirty victims are sent to the L2 as in the timed model; with
// l2.writeback_allocate=false they change no L2 contents or recency (valgrind models no writebacks).
#include <algorithm>

#include "engine.h"

namespace labkit::nvr_sim {

std::uint64_t Engine::inorder_access(int L, std::uint64_t first, std::uint64_t last, std::uint64_t t,
                                     Req kind) {
  Level& lv = level(L);
  const bool store = kind == Req::kStore || kind == Req::kStoreFull;
  const bool top = L == 0;  // the data-side level the access was issued to (a store dirties its lines)
  ++lv.st.accesses;
  if (store) ++lv.st.write_accesses;
  bool miss = false;
  for (std::uint64_t l = first; l <= last; ++l) miss |= lv.cache.find(l) < 0;
  const std::uint64_t t_hit = t + lv.cfg.latency;
  std::uint64_t ready = t_hit;
  if (!miss) {
    ++lv.st.hits;
  } else {
    ++lv.st.misses;
    if (store) ++lv.st.write_misses;
    const int last_level = int(levels_.size()) - 1;
    const int next = L == kICache ? last_level : L < last_level ? L + 1 : -2;
    if (kind == Req::kStoreFull && top) {
      // write-validate: nothing to fetch
    } else if (next != -2) {
      ready = inorder_access(next, first, last, t_hit, kind);
    } else {
      for (std::uint64_t l = first; l <= last; ++l)
        if (lv.cache.find(l) < 0) ready = std::max(ready, dram_.access(l << line_shift_, t_hit, false));
    }
  }
  for (std::uint64_t l = first; l <= last; ++l) {
    const int way = lv.cache.find(l);
    if (way >= 0) {
      lv.cache.touch(l, way);
      if (store && top) lv.cache.set_dirty(l, way);
    } else {
      ++lv.st.fills;
      evict(L, lv.cache.insert(l, store && top, false), ready);
    }
  }
  return ready;
}

SimStats Engine::run_program_order() {
  const auto& ops = w_.ops;
  bool fetches = false;
  for (const Op& op : ops) fetches |= op.kind == OpKind::kFetch;
  if (fetches && cfg_.nsb.enabled) {
    CacheConfig ic = cfg_.nsb;
    ic.name = "l1i";
    icache_ = std::make_unique<Level>(ic);
  }
  std::uint64_t t = 0, mem_ops = 0;
  for (std::size_t i = 0; i < ops.size(); ++i) {
    const Op& op = ops[i];
    report_progress(i);
    if (op.kind == OpKind::kCompute) continue;  // traces have none
    if (op.kind == OpKind::kFetch && !icache_) continue;
    const std::uint64_t end = op.addr + std::max<std::uint32_t>(op.size, 1);
    const std::uint64_t first = op.addr >> line_shift_, last = (end - 1) >> line_shift_;
    Req kind = Req::kDemand;
    if (op.kind == OpKind::kStore) {
      const bool full = (op.addr & ((1ull << line_shift_) - 1)) == 0 && (end & ((1ull << line_shift_) - 1)) == 0;
      kind = full ? Req::kStoreFull : Req::kStore;
    }
    advance_to(t);
    const std::uint64_t done = inorder_access(op.kind == OpKind::kFetch ? kICache : 0, first, last, t, kind);
    if (op.kind != OpKind::kFetch) {
      ++demand_lines_;  // one per access here (the levels count accesses, not lines)
      ++mem_ops;
    }
    max_completion_ = std::max(max_completion_, done);
    t = std::max(t + 1, done);
  }
  advance_to(t);
  SimStats s = finish();
  if (icache_) s.levels.push_back(icache_->st);
  s.cycles = std::max(s.cycles, t);
  s.npu_ops = ops.size();
  s.mem_ops = mem_ops;
  return s;
}

}  // namespace labkit::nvr_sim
