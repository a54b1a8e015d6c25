#include "engine.h"

#include <algorithm>
#include <cassert>
#include <queue>
#include <stdexcept>

namespace labkit::nvr_sim {

Engine::Engine(const SimConfig& cfg, const Workload& w)
    : cfg_(cfg), w_(w), dram_(cfg.dram, cfg.l2.line_bytes) {
  if (cfg.nsb.enabled) levels_.push_back(std::make_unique<Level>(cfg.nsb));
  levels_.push_back(std::make_unique<Level>(cfg.l2));
  pf_level_ = cfg.pf.level == "l2" ? int(levels_.size()) - 1 : 0;
  line_shift_ = levels_[0]->cache.line_shift();
  const auto& fc = levels_[pf_level_]->cfg;
  PrefetcherContext ctx{cfg.pf, &w.desc, fc.line_bytes,
                        static_cast<std::uint32_t>(fc.size_bytes / fc.line_bytes)};
  pf_ = make_prefetcher(ctx);
  pst_.type = cfg.pf.type;
  pst_.level = fc.name;
  pq_.assign(cfg.pf.queue, 0);
  std::size_t fsz = 64;
  while (fsz < 8 * std::size_t(cfg.pf.queue)) fsz <<= 1;
  pq_filter_.assign(fsz, 0);
}

Engine::~Engine() = default;

void Engine::push_event(std::uint64_t t, std::uint32_t fill_mask, std::uint64_t line) {
  events_.push(t, line | (std::uint64_t(fill_mask) << 58));
}

void Engine::schedule_drain(std::uint64_t t) {
  if (drain_scheduled_ || pq_size_ == 0) return;
  drain_scheduled_ = true;
  push_event(t, 0, 0);
}

void Engine::advance_to(std::uint64_t t) {
  EventQueue<std::uint64_t>::Event e;
  while (events_.pop_upto(t, e)) {
    const std::uint64_t et = e.cycle;
    const std::uint64_t line = e.payload & ((1ull << 58) - 1);
    now_ = std::max(now_, et);
    const auto mask = static_cast<std::uint32_t>(e.payload >> 58);
    if (mask == 0) {
      drain_scheduled_ = false;
      drain(et);
    } else {
      for (int L = int(levels_.size()) - 1; L >= 0; --L)
        if (mask & (1u << L)) fill(L, line, et);
      if (pq_blocked_) {
        pq_blocked_ = false;
        schedule_drain(et);
      }
    }
  }
  now_ = std::max(now_, t);
}

std::uint64_t Engine::access(int L, std::uint64_t line, std::uint64_t t, Req kind) {
  Level& lv = *levels_[L];
  const bool is_pf_level = L == pf_level_;
  if (kind == Req::kWriteback) {
    ++lv.st.writebacks_in;
    const int way = lv.cache.find(line);
    if (way >= 0) {
      lv.cache.set_dirty(line, way);  // no recency update on a writeback hit (ChampSim's LRU does the same)
    } else if (auto* e = lv.mshr.find(line)) {
      e->dirty = true;
    } else if (lv.cfg.writeback_allocate) {
      evict(L, lv.cache.insert(line, true, false), t);  // full-line write: no fetch
    } else if (L + 1 < int(levels_.size())) {
      access(L + 1, line, t, Req::kWriteback);
    } else {
      dram_.access(line << line_shift_, t, true);
    }
    return t;
  }
  const bool demand = kind != Req::kPrefetch;
  const bool store = kind == Req::kStore || kind == Req::kStoreFull;
  const bool top = L == 0;  // the level the NPU writes into (a store marks only its line dirty)
  if (demand) ++lv.st.accesses;
  else ++lv.st.pf_accesses;
  if (store) ++lv.st.write_accesses;
  const std::uint64_t t_hit = t + lv.cfg.latency;
  const int way = lv.cache.find(line);
  if (way >= 0) {
    if (demand) {
      ++lv.st.hits;
      if (lv.cache.prefetched(line, way)) {
        lv.cache.clear_prefetched(line, way);
        if (is_pf_level) {
          ++pst_.useful;
          pf_->on_feedback(true);
        }
      }
    } else {
      ++lv.st.pf_hits;
    }
    lv.cache.touch(line, way);
    if (store && top) lv.cache.set_dirty(line, way);
    return t_hit;
  }
  if (demand) ++lv.st.misses;
  if (store) ++lv.st.write_misses;
  if (auto* e = lv.mshr.find(line)) {
    if (demand) {
      ++lv.st.mshr_merges;
      if (e->prefetch && !e->demand_merged && is_pf_level) {
        e->demand_merged = true;
        ++pst_.useful;
        ++pst_.late;
        pf_->on_late();
        pf_->on_feedback(true);
      }
      if (store && top) e->dirty = true;
    }
    return std::max(t_hit, e->ready);
  }
  if (kind == Req::kStoreFull && top) {  // full-line store: allocate without fetching (write-validate)
    evict(L, lv.cache.insert(line, true, false), t);
    return t_hit;
  }
  // Loads, prefetches and partial-line stores fetch the line (write-allocate: a store's bytes are
  // merged into the fetched line, which is installed dirty).
  const std::uint64_t start = lv.mshr.reserve(t_hit);
  std::uint64_t ready;
  if (L + 1 < int(levels_.size())) ready = access(L + 1, line, start, kind);
  else ready = dram_.access(line << line_shift_, start, false);
  lv.mshr.add(line, ready, kind == Req::kPrefetch && is_pf_level);
  if (store && top) lv.mshr.find(line)->dirty = true;
  fill_mask_ |= 1u << L;  // every level below returned the same ready cycle: one event fills them all
  return ready;
}

std::uint64_t Engine::request(std::uint64_t line, std::uint64_t t, Req kind) {
  fill_mask_ = 0;
  const std::uint64_t ready = access(kind == Req::kPrefetch ? pf_level_ : 0, line, t, kind);
  if (fill_mask_) push_event(ready, fill_mask_, line);
  fill_mask_ = 0;
  return ready;
}

void Engine::evict(int L, const Cache::Victim& v, std::uint64_t t) {
  if (!v.valid) return;
  Level& lv = level(L);
  ++lv.st.evictions;
  if (v.prefetched_unused && L == pf_level_) {
    ++pst_.useless;
    pf_->on_feedback(false);
  }
  if (v.dirty) {
    ++lv.st.writebacks;
    if (L + 1 < int(levels_.size())) access(L + 1, v.line, t, Req::kWriteback);
    else dram_.access(v.line << line_shift_, t, true);
  }
}

void Engine::fill(int L, std::uint64_t line, std::uint64_t t) {
  Level& lv = *levels_[L];
  const Mshr::Entry e = lv.mshr.remove(line);
  ++lv.st.fills;
  // A line is never both resident and in flight: stores and writebacks that meet an in-flight line
  // mark its entry dirty instead of installing it, and prefetches skip resident lines.
  assert(lv.cache.find(line) < 0);
  evict(L, lv.cache.insert(line, e.dirty, e.prefetch && !e.demand_merged), t);
}

void Engine::prefetch(std::uint64_t addr) {
  ++pst_.requested;
  const std::uint64_t line = addr >> line_shift_;
  const std::size_t cap = pq_.size();
  // Duplicate filter: a direct-mapped table of queued lines (a collision only lets a duplicate in,
  // which the drain then counts as redundant).
  std::uint64_t& f = pq_filter_[line & (pq_filter_.size() - 1)];
  if (f == line + 1) {
    ++pst_.duplicate;
    return;
  }
  if (pq_size_ == cap) {
    ++pst_.dropped;
    return;
  }
  f = line + 1;
  pq_[(pq_head_ + pq_size_) % cap] = line;
  ++pq_size_;
}

void Engine::drain(std::uint64_t t) {
  // Issues up to issue_per_cycle prefetches per cycle; one event covers up to kBatch cycles so the
  // event queue is not touched for every prefetch.
  constexpr std::uint32_t kBatch = 8;
  Level& lv = *levels_[pf_level_];
  const std::uint32_t width = cfg_.pf.issue_per_cycle;
  std::uint32_t n = 0;
  Mshr* below = pf_level_ + 1 < int(levels_.size()) ? &levels_[pf_level_ + 1]->mshr : nullptr;
  const std::uint32_t reserve = std::min(cfg_.pf.mshr_reserve, lv.mshr.capacity() - 1);
  while (pq_size_ > 0 && n < width * kBatch) {
    const std::uint64_t line = pq_[pq_head_];
    const std::uint64_t ti = t + n / width;
    ++n;
    if (lv.cache.find(line) >= 0 || lv.mshr.find(line)) {
      ++pst_.redundant;
      pop_queue();
      continue;
    }
    // Prefetches leave mshr_reserve entries for demands here and need a free entry below.
    if (lv.mshr.free_now() <= reserve || (below && below->free_now() == 0)) {
      pq_blocked_ = true;  // the next fill restarts the drain
      break;
    }
    pop_queue();
    ++pst_.issued;
    request(line, ti, Req::kPrefetch);
  }
  if (!pq_blocked_) schedule_drain(t + (n + width - 1) / width);
}

void Engine::pop_queue() {
  const std::uint64_t line = pq_[pq_head_];
  std::uint64_t& f = pq_filter_[line & (pq_filter_.size() - 1)];
  if (f == line + 1) f = 0;
  pq_head_ = (pq_head_ + 1) % pq_.size();
  --pq_size_;
}

std::uint64_t Engine::stall_for_mshr(std::uint64_t line, std::uint64_t t) {
  // A blocking miss: if this line will need a new MSHR and none is free at the first level (or the
  // next one), the NPU waits for the earliest fill. Keeps every DRAM request issued in time order.
  for (;;) {
    advance_to(t);
    Level& l0 = *levels_[0];
    if (l0.mshr.free_now() > 0 && (levels_.size() < 2 || levels_[1]->mshr.free_now() > 0)) return t;
    if (l0.cache.find(line) >= 0 || l0.mshr.find(line)) return t;
    std::uint64_t wait = ~std::uint64_t(0);
    if (l0.mshr.free_now() == 0) wait = l0.mshr.earliest_ready();
    if (levels_.size() > 1 && levels_[1]->mshr.free_now() == 0)
      wait = std::min(wait, levels_[1]->mshr.earliest_ready());
    if (wait == ~std::uint64_t(0)) return t;
    t = std::max(t + 1, wait);
  }
}

std::uint64_t Engine::demand(std::uint64_t addr, std::uint64_t t, bool write, bool full_line) {
  advance_to(t);
  ++demand_lines_;
  const Req kind = !write ? Req::kDemand : full_line ? Req::kStoreFull : Req::kStore;
  const std::uint64_t done = request(addr >> line_shift_, t, kind);
  max_completion_ = std::max(max_completion_, done);
  return done;
}

SimStats Engine::finish() {
  while (!events_.empty()) advance_to(events_.next_cycle());
  SimStats s;
  s.workload = w_.name;
  s.cycles = std::max(now_, max_completion_);
  s.demand_lines = demand_lines_;
  s.max_completion = max_completion_;
  for (auto& l : levels_) {
    s.levels.push_back(l->st);
    s.inflight_at_end += l->mshr.in_flight();
  }
  s.dram = dram_.stats();
  s.line_bytes = levels_[0]->cfg.line_bytes;
  pst_.unused_at_end = levels_[pf_level_]->cache.count_unused_prefetched();
  s.pf = pst_;
  s.prefetcher_internal = pf_->stats();
  return s;
}

// One piece: the NPU's issue loop. Loads, stores and compute steps share its clocks (t, fence, the
// in-flight slots, the store queue), so named steps would each take all of them.
SimStats Engine::run() {
  if (cfg_.workload.trace_order == "program") return run_program_order();
  const auto& ops = w_.ops;
  constexpr std::uint64_t kPending = ~std::uint64_t(0);
  std::vector<std::uint64_t> done(ops.size(), 0);
  // Completion cycle of each outstanding demand slot (max_inflight of them; 0 = free), kept as a
  // min-heap: a new line takes the slot that frees first (replace the top and sift down).
  std::vector<std::uint64_t> slots(cfg_.npu.max_inflight, 0);
  auto replace_min_slot = [&slots](std::uint64_t v) {
    const std::size_t n = slots.size();
    std::size_t i = 0;
    for (;;) {
      const std::size_t l = 2 * i + 1;
      if (l >= n) break;
      const std::size_t m = l + 1 < n && slots[l + 1] < slots[l] ? l + 1 : l;
      if (slots[m] >= v) break;
      slots[i] = slots[m];
      i = m;
    }
    slots[i] = v;
  };
  std::uint64_t t = 0, fence = 0, last_compute = 0, compute_cycles = 0, mem_ops = 0, compute_ops = 0;
  std::uint32_t issued_this_cycle = 0;

  // Stores go to their own unit (Gemmini's mvout queue): a store waits for its dependency (the
  // compute step) without holding up the loads behind it. Pending stores are issued in time order,
  // one line per cycle, interleaved with the loads.
  using Pend = std::pair<std::uint64_t, std::size_t>;
  std::priority_queue<Pend, std::vector<Pend>, std::greater<>> stores;
  std::uint64_t store_free = 0;
  auto issue_store = [&](std::size_t i, std::uint64_t ts) {
    const Op& op = ops[i];
    ts = std::max(ts, store_free);
    const std::uint64_t first = op.addr >> line_shift_,
                        last = (op.addr + std::max<std::uint32_t>(op.size, 1) - 1) >> line_shift_;
    std::uint64_t op_done = ts;
    const std::uint64_t end = op.addr + std::max<std::uint32_t>(op.size, 1);
    for (std::uint64_t l = first; l <= last; ++l, ++ts) {
      const bool full = op.addr <= (l << line_shift_) && end >= ((l + 1) << line_shift_);
      op_done = std::max(op_done, demand(l << line_shift_, ts, true, full));
    }
    store_free = ts;
    done[i] = op_done;
    MemAccess a{op.addr, op.size, op.pc, true, false, op.aux, ts};
    pf_->on_access(a, *this);
  };
  auto flush_stores = [&](std::uint64_t upto) {
    while (!stores.empty() && stores.top().first <= upto) {
      const Pend p = stores.top();
      stores.pop();
      issue_store(p.second, p.first);
    }
  };

  for (std::size_t i = 0; i < ops.size(); ++i) {
    const Op& op = ops[i];
    report_progress(i);
    if (op.kind == OpKind::kFetch) continue;  // instruction fetches: only program-order replay models them
    if (op.kind == OpKind::kStore) {
      ++mem_ops;
      if (op.dep >= 0 && done[op.dep] == kPending) flush_stores(kPending);
      const std::uint64_t ts = op.dep >= 0 ? std::max(t, done[op.dep]) : t;
      done[i] = kPending;
      stores.emplace(ts, i);
      continue;
    }
    if (op.kind == OpKind::kCompute) {
      // A compute step starts once every load since the previous step has arrived and the array is free.
      const std::uint64_t start = std::max({fence, last_compute, t});
      done[i] = last_compute = start + op.size;
      compute_cycles += op.size;
      ++compute_ops;
      flush_stores(t);
      advance_to(t);
      pf_->on_compute(op, t, *this);
      schedule_drain(t);
      continue;
    }
    ++mem_ops;
    if (op.dep >= 0) {
      if (done[op.dep] == kPending) flush_stores(kPending);  // trace input: a load after a store
      if (done[op.dep] > t) {
        t = done[op.dep];
        issued_this_cycle = 0;
      }
    }
    const std::uint64_t first = op.addr >> line_shift_,
                        last = (op.addr + std::max<std::uint32_t>(op.size, 1) - 1) >> line_shift_;
    std::uint64_t op_done = t;
    const std::uint64_t misses_before = levels_[pf_level_]->st.misses;
    for (std::uint64_t l = first; l <= last; ++l) {
      if (slots[0] > t) {  // all max_inflight demands outstanding: wait for the first to return
        t = slots[0];
        issued_this_cycle = 0;
      }
      if (!stores.empty() && stores.top().first <= t) flush_stores(t);
      t = stall_for_mshr(l, t);
      if (!stores.empty() && stores.top().first <= t) flush_stores(t);
      const std::uint64_t c = demand(l << line_shift_, t, false);
      replace_min_slot(c);
      op_done = std::max(op_done, c);
      if (++issued_this_cycle >= cfg_.npu.issue_per_cycle) {
        ++t;
        issued_this_cycle = 0;
      }
    }
    done[i] = op_done;
    fence = std::max(fence, op_done);
    MemAccess a{op.addr, op.size, op.pc, false, levels_[pf_level_]->st.misses != misses_before, op.aux, t};
    pf_->on_access(a, *this);
    schedule_drain(t);
  }
  flush_stores(kPending);
  advance_to(std::max(t, store_free));
  SimStats s = finish();
  s.cycles = std::max({s.cycles, last_compute, t, store_free});
  s.npu_ops = ops.size();
  s.mem_ops = mem_ops;
  s.compute_ops = compute_ops;
  s.compute_cycles = compute_cycles;
  return s;
}

SimStats simulate(const SimConfig& cfg, const Workload& w, labkit::Progress* progress) {
  Engine e(cfg, w);
  e.set_progress(progress);
  SimStats s = e.run();
#ifndef NDEBUG
  const auto bad = check_invariants(s);
  if (!bad.empty()) throw std::logic_error("nvr-sim invariant violated: " + bad.front());
#endif
  return s;
}

}  // namespace labkit::nvr_sim
