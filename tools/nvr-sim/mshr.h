// Miss status holding registers: a finite set of slots plus the lines in flight.
// Completion times are known when a miss is sent (DRAM timing is computed at issue), so a slot is a
// reservation: busy until its line's fill. A new miss takes the slot that frees first; if none is free
// yet, the miss waits for it. A second miss to an in-flight line merges into the entry.
#pragma once

#include <cstdint>
#include <vector>

namespace nvr {

class Mshr {
 public:
  struct Entry {
    std::uint64_t line = 0;
    std::uint64_t ready = 0;     // cycle the fill arrives
    bool prefetch = false;       // allocated by a prefetch
    bool demand_merged = false;  // a demand merged into this prefetch (late prefetch, counted once)
    bool dirty = false;          // a store merged: install dirty
  };

  explicit Mshr(std::uint32_t slots) : busy_(slots, 0) { entries_.reserve(slots * 2); }

  std::uint32_t capacity() const { return static_cast<std::uint32_t>(busy_.size()); }
  // Entry for `line`, or nullptr.
  Entry* find(std::uint64_t line) {
    for (auto& e : entries_)
      if (e.line == line) return &e;
    return nullptr;
  }
  // Slots free now, once every fill up to now has been processed.
  std::uint32_t free_now() const {
    return entries_.size() >= busy_.size() ? 0 : static_cast<std::uint32_t>(busy_.size() - entries_.size());
  }
  // Earliest cycle an in-flight entry completes (its slot frees).
  std::uint64_t earliest_ready() const {
    std::uint64_t m = ~0ull;
    for (const auto& e : entries_) m = e.ready < m ? e.ready : m;
    return m;
  }
  // Reserve the earliest-free slot for a miss that can start at `t`; returns the start cycle
  // (>= t). Call set_ready once the completion time is known.
  std::uint64_t reserve(std::uint64_t t) {
    std::size_t best = 0;
    for (std::size_t i = 1; i < busy_.size(); ++i)
      if (busy_[i] < busy_[best]) best = i;
    last_slot_ = best;
    return busy_[best] > t ? busy_[best] : t;
  }
  Entry& add(std::uint64_t line, std::uint64_t ready, bool prefetch) {
    busy_[last_slot_] = ready;
    entries_.push_back(Entry{line, ready, prefetch, false, false});
    return entries_.back();
  }
  // Remove the entry for `line` (at its fill); returns a copy.
  Entry remove(std::uint64_t line) {
    for (std::size_t i = 0; i < entries_.size(); ++i) {
      if (entries_[i].line == line) {
        Entry e = entries_[i];
        entries_[i] = entries_.back();
        entries_.pop_back();
        return e;
      }
    }
    return Entry{};
  }
  std::size_t in_flight() const { return entries_.size(); }

 private:
  std::vector<std::uint64_t> busy_;
  std::vector<Entry> entries_;
  std::size_t last_slot_ = 0;
};

}  // namespace nvr
