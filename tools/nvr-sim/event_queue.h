// Calendar event queue: pops events in (cycle, insertion) order, like a binary heap keyed on
// (cycle, seq), but with O(1) push and pop for the common case of events a few hundred cycles ahead.
//  - a ring of kBuckets one-cycle buckets covers [base, base + kBuckets); each bucket is a FIFO;
//  - a bitmap of non-empty buckets finds the next one without visiting empty cycles;
//  - events beyond the ring wait in an overflow heap and move into the ring as `base` advances,
//    always before any direct push to the same cycle can happen, so FIFO order holds;
//  - events pushed for a cycle already passed (before `base`) go to a small "late" heap popped first.
// Idle stretches of any length are skipped: when the ring is empty, base jumps to the overflow minimum.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

namespace labkit::nvr_sim {

template <typename Payload>
class EventQueue {
 public:
  struct Event {
    std::uint64_t cycle, seq;
    Payload payload;
  };

  EventQueue() : buckets_(kBuckets), heads_(kBuckets, 0) {}

  bool empty() const { return size_ == 0; }
  std::size_t size() const { return size_; }

  void push(std::uint64_t cycle, const Payload& p) {
    const Event e{cycle, seq_++, p};
    ++size_;
    if (cycle < base_) {
      late_.push_back(e);
      std::push_heap(late_.begin(), late_.end(), Later{});
    } else if (cycle - base_ >= kBuckets) {
      overflow_.push_back(e);
      std::push_heap(overflow_.begin(), overflow_.end(), Later{});
    } else {
      put(e);
    }
  }

  // Cycle of the next event (the queue must not be empty).
  std::uint64_t next_cycle() {
    if (!late_.empty()) return late_.front().cycle;
    if (ring_size_ == 0) return overflow_.front().cycle;
    return ring_next();
  }

  // Removes the next event into `out` if its cycle is <= t.
  bool pop_upto(std::uint64_t t, Event& out) {
    if (size_ == 0) return false;
    if (!late_.empty()) {
      if (late_.front().cycle > t) return false;
      std::pop_heap(late_.begin(), late_.end(), Later{});
      out = late_.back();
      late_.pop_back();
      --size_;
      return true;
    }
    if (ring_size_ == 0) {  // jump over the idle stretch to the overflow minimum
      if (overflow_.front().cycle > t) return false;
      advance_base(overflow_.front().cycle);
    } else {
      const std::uint64_t c = ring_next();
      if (c > t) return false;
      advance_base(c);
    }
    const std::size_t b = base_ & kMask;
    out = buckets_[b][heads_[b]++];
    if (heads_[b] == buckets_[b].size()) {  // bucket drained: reuse its storage
      buckets_[b].clear();
      heads_[b] = 0;
      bits_[b >> 6] &= ~(1ull << (b & 63));
      next_valid_ = false;
    }
    --ring_size_;
    --size_;
    return true;
  }

 private:
  static constexpr std::size_t kBuckets = 4096, kMask = kBuckets - 1, kWords = kBuckets / 64;
  struct Later {
    bool operator()(const Event& a, const Event& b) const {
      return a.cycle != b.cycle ? a.cycle > b.cycle : a.seq > b.seq;
    }
  };

  void put(const Event& e) {
    const std::size_t b = e.cycle & kMask;
    buckets_[b].push_back(e);
    bits_[b >> 6] |= 1ull << (b & 63);
    if (ring_size_++ == 0 || (next_valid_ && e.cycle < next_)) {
      next_ = e.cycle;
      next_valid_ = true;
    }
  }
  // Cycle of the first non-empty bucket (ring not empty). Cached: most calls find nothing due yet,
  // and the bitmap scan is the expensive part.
  std::uint64_t ring_next() {
    if (!next_valid_) {
      next_ = base_ + distance_to_next();
      next_valid_ = true;
    }
    return next_;
  }
  // Cycles from base_ to the first non-empty bucket (the ring must not be empty).
  std::uint64_t distance_to_next() const {
    const std::size_t start = base_ & kMask;
    std::size_t w = start >> 6;
    std::uint64_t word = bits_[w] & (~0ull << (start & 63));
    for (std::size_t n = 1;; ++n) {  // after n failed words, w = start word + n
      if (word) {
        const std::size_t b = (w << 6) | std::size_t(__builtin_ctzll(word));
        return (b - start) & kMask;
      }
      w = (w + 1) & (kWords - 1);
      word = bits_[w];
      if (n == kWords) word &= (1ull << (start & 63)) - 1;  // wrapped back to the start word
    }
  }
  // Moves base_ forward to c and pulls overflow events that now fall inside the ring, in order.
  void advance_base(std::uint64_t c) {
    base_ = c;
    while (!overflow_.empty() && overflow_.front().cycle - base_ < kBuckets) {
      std::pop_heap(overflow_.begin(), overflow_.end(), Later{});
      put(overflow_.back());
      overflow_.pop_back();
    }
  }

  std::vector<std::vector<Event>> buckets_;
  std::vector<std::size_t> heads_;
  std::array<std::uint64_t, kWords> bits_{};
  std::vector<Event> overflow_, late_;
  std::uint64_t base_ = 0, seq_ = 0, next_ = 0;
  bool next_valid_ = false;  // next_ is the earliest ring cycle
  std::size_t size_ = 0, ring_size_ = 0;
};

}  // namespace labkit::nvr_sim
