// Miss status holding registers: `slots` entries for the lines in flight.
// Completion times are known when a miss is sent (DRAM timing is computed at issue), so an entry is a
// reservation until its line's fill. A new miss when all entries are busy waits for the earliest fill
// (the engine normally stalls the requester before that happens). A second miss to an in-flight line
// merges into the entry.
// Lookup is an open-addressing hash (line -> entry) because every miss and every prefetch probes it.
#pragma once

#include <cstdint>
#include <vector>

namespace labkit::nvr_sim {

class Mshr {
 public:
  struct Entry {
    std::uint64_t line = 0;
    std::uint64_t ready = 0;     // cycle the fill arrives
    bool prefetch = false;       // allocated by a prefetch
    bool demand_merged = false;  // a demand merged into this prefetch (late prefetch, counted once)
    bool dirty = false;          // a store merged: install dirty
    bool valid = false;
  };

  explicit Mshr(std::uint32_t slots) : slots_(slots) {
    std::size_t n = 16;
    while (n < 4 * std::size_t(slots)) n <<= 1;
    table_.assign(n, kEmpty);
    mask_ = n - 1;
    entries_.resize(std::size_t(slots) * 2 + 8);  // room for the rare overcommit (see reserve)
    for (std::size_t i = entries_.size(); i-- > 0;) free_.push_back(static_cast<std::uint32_t>(i));
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
    return count_ >= slots_ ? 0 : static_cast<std::uint32_t>(slots_ - count_);
  }
  // Earliest cycle an in-flight entry completes (its slot frees).
  std::uint64_t earliest_ready() const {
    std::uint64_t m = ~std::uint64_t(0);
    for (const auto& e : entries_)
      if (e.valid && e.ready < m) m = e.ready;
    return m;
  }
  // Start cycle (>= t) of a new miss that can go at `t`: now if an entry is free, else at the
  // earliest fill.
  std::uint64_t reserve(std::uint64_t t) const {
    if (count_ < slots_) return t;
    const std::uint64_t e = earliest_ready();
    return e > t ? e : t;
  }
  void add(std::uint64_t line, std::uint64_t ready, bool prefetch) {
    if (free_.empty()) {  // more overcommitted misses than expected: grow
      free_.push_back(static_cast<std::uint32_t>(entries_.size()));
      entries_.emplace_back();
    }
    const std::uint32_t i = free_.back();
    free_.pop_back();
    entries_[i] = Entry{line, ready, prefetch, false, false, true};
    ++count_;
    if (count_ * 2 > table_.size()) rehash(table_.size() * 2);
    std::size_t h = hash(line);
    while (table_[h] != kEmpty) h = (h + 1) & mask_;
    table_[h] = i;
  }
  // Remove the entry for `line` (at its fill); returns a copy.
  Entry remove(std::uint64_t line) {
    std::size_t h = hash(line);
    while (table_[h] != kEmpty && entries_[table_[h]].line != line) h = (h + 1) & mask_;
    if (table_[h] == kEmpty) return Entry{};
    const std::uint32_t i = table_[h];
    const Entry e = entries_[i];
    erase_slot(h);
    entries_[i].valid = false;
    free_.push_back(i);
    --count_;
    return e;
  }
  std::size_t in_flight() const { return count_; }

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
  void rehash(std::size_t n) {
    table_.assign(n, kEmpty);
    mask_ = n - 1;
    for (std::uint32_t i = 0; i < entries_.size(); ++i) {
      if (!entries_[i].valid) continue;
      std::size_t h = hash(entries_[i].line);
      while (table_[h] != kEmpty) h = (h + 1) & mask_;
      table_[h] = i;
    }
  }

  std::vector<Entry> entries_;       // fixed slots, reused through free_
  std::vector<std::uint32_t> free_;
  std::size_t count_ = 0;
  std::vector<std::uint32_t> table_;
  std::size_t mask_ = 0;
};

}  // namespace labkit::nvr_sim
