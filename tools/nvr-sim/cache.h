// Set-associative cache array (tags, dirty and prefetch bits, LRU or tree-PLRU). Timing lives in the
// engine; this class only answers "where is the line" and "what gets evicted".
// Set index = line mod sets, with line = addr >> log2(line_bytes).
#pragma once

#include <cstdint>
#include <vector>

#include "settings.h"

namespace labkit::nvr_sim {

class Cache {
 public:
  struct Victim {
    bool valid = false;
    std::uint64_t line = 0;
    bool dirty = false;
    bool prefetched_unused = false;  // a prefetched line evicted before any demand used it
  };

  explicit Cache(const CacheConfig& cfg);

  std::uint32_t sets() const { return sets_; }
  std::uint32_t ways() const { return ways_; }
  std::uint32_t line_shift() const { return line_shift_; }
  std::uint32_t set_of(std::uint64_t line) const { return static_cast<std::uint32_t>(line & set_mask_); }

  // Way holding `line`, or -1. Does not update replacement state.
  int find(std::uint64_t line) const;
  // Mark a hit: updates LRU/PLRU.
  void touch(std::uint64_t line, int way);
  // Install `line` (must be absent), evicting per policy. The new line is most recently used.
  Victim insert(std::uint64_t line, bool dirty, bool prefetched);
  // The way the policy would evict next from this set (invalid ways first).
  int victim_way(std::uint32_t set) const;

  bool prefetched(std::uint64_t line, int way) const { return pf_[idx(line, way)]; }
  void clear_prefetched(std::uint64_t line, int way) { pf_[idx(line, way)] = 0; }
  void set_dirty(std::uint64_t line, int way) { dirty_[idx(line, way)] = 1; }
  bool dirty(std::uint64_t line, int way) const { return dirty_[idx(line, way)]; }
  // Lines still marked prefetched (never used) and resident.
  std::uint64_t count_unused_prefetched() const;

 private:
  std::size_t idx(std::uint64_t line, int way) const { return std::size_t(set_of(line)) * ways_ + way; }
  void touch_way(std::uint32_t set, int way);

  Repl repl_;
  std::uint32_t sets_, ways_, line_shift_;
  std::uint64_t set_mask_;
  static constexpr std::uint64_t kInvalid = ~0ull;
  std::vector<std::uint64_t> tag_;    // full line number, kInvalid when empty
  std::vector<std::uint8_t> dirty_, pf_;
  // LRU: a doubly linked recency list per set (head = most recent), O(1) touch and victim. Lines
  // are never invalidated, so the ways of a set fill in order 0, 1, ... and `filled_` counts them.
  std::vector<std::uint8_t> prev_, next_, head_, tail_, filled_;
  std::vector<std::uint64_t> plru_;   // tree-PLRU: ways-1 bits per set, heap order (node 1 = root)
};

}  // namespace labkit::nvr_sim
