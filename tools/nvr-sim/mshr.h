// Miss status holding registers: `slots` entries for the lines in flight.
// Completion times are known when a miss is sent (DRAM timing is computed at issue), so an entry is a
// reservation until its line's fill. A new miss when all entries are busy waits for the earliest fill
// (the engine normally stalls the requester before that happens). A second miss to an in-flight line
// merges into the entry.
// Lookup is an open-addressing hash (line -> entry) because every miss and every prefetch probes it.
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

  explicit Mshr(std::uint32_t slots) : slots_(slots) {
    std::size_t n = 16;
    while (n < 4 * std::size_t(slots)) n <<= 1;
    table_.assign(n, kEmpty);
    mask_ = n - 1;
    entries_.reserve(slots * 2);
  }

  std::uint32_t capacity() const { return slots_; }
  // Entry for `line`, or nullptr.
  Entry* find(std::uint64_t line) {
    for (std::size_t h = hash(line);; h = (h + 1) & mask_) {
      const std::uint32_t i = table_[h];
      if (i == kEmpty) return nullptr;
      if (entries_[i].line == line) return &entries_[i];
    }
  }
  // Slots free now, once every fill up to now has been processed.
  std::uint32_t free_now() const {
    return entries_.size() >= slots_ ? 0 : static_cast<std::uint32_t>(slots_ - entries_.size());
  }
  // Earliest cycle an in-flight entry completes (its slot frees).
  std::uint64_t earliest_ready() const {
    std::uint64_t m = ~std::uint64_t(0);
    for (const auto& e : entries_) m = e.ready < m ? e.ready : m;
    return m;
  }
  // Start cycle (>= t) of a new miss that can go at `t`: now if an entry is free, else at the
  // earliest fill.
  std::uint64_t reserve(std::uint64_t t) const {
    if (entries_.size() < slots_) return t;
    const std::uint64_t e = earliest_ready();
    return e > t ? e : t;
  }
  void add(std::uint64_t line, std::uint64_t ready, bool prefetch) {
    entries_.push_back(Entry{line, ready, prefetch, false, false});
    std::size_t h = hash(line);
    while (table_[h] != kEmpty) h = (h + 1) & mask_;
    table_[h] = static_cast<std::uint32_t>(entries_.size() - 1);
  }
  // Remove the entry for `line` (at its fill); returns a copy.
  Entry remove(std::uint64_t line) {
    std::size_t h = hash(line);
    while (table_[h] != kEmpty && entries_[table_[h]].line != line) h = (h + 1) & mask_;
    if (table_[h] == kEmpty) return Entry{};
    const std::uint32_t i = table_[h];
    const Entry e = entries_[i];
    erase_slot(h);
    // Move the last entry into i and repoint its table slot.
    const std::uint32_t last = static_cast<std::uint32_t>(entries_.size() - 1);
    if (i != last) {
      std::size_t g = hash(entries_[last].line);
      while (table_[g] != last) g = (g + 1) & mask_;
      table_[g] = i;
      entries_[i] = entries_[last];
    }
    entries_.pop_back();
    return e;
  }
  std::size_t in_flight() const { return entries_.size(); }

 private:
  static constexpr std::uint32_t kEmpty = ~0u;
  std::size_t hash(std::uint64_t line) const { return (line * 0x9E3779B97F4A7C15ull >> 32) & mask_; }
  // Backward-shift deletion keeps probe chains intact without tombstones.
  void erase_slot(std::size_t h) {
    table_[h] = kEmpty;
    for (std::size_t j = (h + 1) & mask_; table_[j] != kEmpty; j = (j + 1) & mask_) {
      const std::size_t home = hash(entries_[table_[j]].line);
      // Move j back to h if its home is not in (h, j] cyclically.
      const bool between = h <= j ? (home > h && home <= j) : (home > h || home <= j);
      if (!between) {
        table_[h] = table_[j];
        table_[j] = kEmpty;
        h = j;
      }
    }
  }

  std::uint32_t slots_;
  std::vector<Entry> entries_;
  std::vector<std::uint32_t> table_;
  std::size_t mask_ = 0;
};

}  // namespace nvr
