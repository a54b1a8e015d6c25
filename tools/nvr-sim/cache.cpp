#include "cache.h"

namespace labkit::nvr_sim {

namespace {
std::uint32_t log2u(std::uint64_t v) {
  std::uint32_t s = 0;
  while ((1ull << s) < v) ++s;
  return s;
}
}  // namespace

Cache::Cache(const CacheConfig& cfg)
    : repl_(cfg.repl),
      sets_(static_cast<std::uint32_t>(cfg.size_bytes / (std::uint64_t(cfg.ways) * cfg.line_bytes))),
      ways_(cfg.ways),
      line_shift_(log2u(cfg.line_bytes)),
      set_mask_(sets_ - 1),
      tag_(std::size_t(sets_) * ways_, kInvalid),
      dirty_(tag_.size(), 0),
      pf_(tag_.size(), 0),
      prev_(repl_ == Repl::kLru ? tag_.size() : 0, 0),
      next_(repl_ == Repl::kLru ? tag_.size() : 0, 0),
      head_(repl_ == Repl::kLru ? sets_ : 0, 0),
      tail_(repl_ == Repl::kLru ? sets_ : 0, 0),
      filled_(sets_, 0),
      plru_(repl_ == Repl::kPlru ? sets_ : 0, 0) {}

int Cache::find(std::uint64_t line) const {
  // Branch-free scan (tags are unique within a set): vectorises, and most probes here miss.
  const std::uint64_t* t = &tag_[std::size_t(set_of(line)) * ways_];
  int found = -1;
  for (std::uint32_t w = 0; w < ways_; ++w) found = t[w] == line ? static_cast<int>(w) : found;
  return found;
}

void Cache::touch_way(std::uint32_t set, int way) {
  if (repl_ == Repl::kLru) {
    std::uint8_t* pv = &prev_[std::size_t(set) * ways_];
    std::uint8_t* nx = &next_[std::size_t(set) * ways_];
    const auto w = static_cast<std::uint8_t>(way);
    if (std::uint32_t(w) >= filled_[set]) {  // a way being filled for the first time: link at head
      if (filled_[set] == 0) tail_[set] = w;
      else pv[head_[set]] = w;
      nx[w] = head_[set];
      head_[set] = w;
      ++filled_[set];
      return;
    }
    if (head_[set] == w) return;
    // unlink (w is not the head, so it has a predecessor)
    nx[pv[w]] = nx[w];
    if (tail_[set] == w) tail_[set] = pv[w];
    else pv[nx[w]] = pv[w];
    pv[head_[set]] = w;
    nx[w] = head_[set];
    head_[set] = w;
    return;
  }
  if (std::uint32_t(way) >= filled_[set]) ++filled_[set];
  // Walk root to leaf; each node's bit points to the half NOT containing `way` (bit 1 = right half).
  std::uint64_t bits = plru_[set];
  std::uint32_t node = 1, lo = 0, span = ways_;
  while (span > 1) {
    span >>= 1;
    const bool right = std::uint32_t(way) >= lo + span;
    if (right) {
      bits &= ~(1ull << node);  // victim side: left
      lo += span;
      node = 2 * node + 1;
    } else {
      bits |= (1ull << node);  // victim side: right
      node = 2 * node;
    }
  }
  plru_[set] = bits;
}

void Cache::touch(std::uint64_t line, int way) { touch_way(set_of(line), way); }

int Cache::victim_way(std::uint32_t set) const {
  if (filled_[set] < ways_) return filled_[set];  // an empty way, lowest first
  if (repl_ == Repl::kLru) return tail_[set];
  const std::uint64_t bits = plru_[set];
  std::uint32_t node = 1, lo = 0, span = ways_;
  while (span > 1) {
    span >>= 1;
    if (bits & (1ull << node)) {
      lo += span;
      node = 2 * node + 1;
    } else {
      node = 2 * node;
    }
  }
  return static_cast<int>(lo);
}

Cache::Victim Cache::insert(std::uint64_t line, bool dirty, bool prefetched) {
  const std::uint32_t set = set_of(line);
  const int way = victim_way(set);
  const std::size_t i = std::size_t(set) * ways_ + way;
  Victim v;
  if (tag_[i] != kInvalid) {
    v.valid = true;
    v.line = tag_[i];
    v.dirty = dirty_[i];
    v.prefetched_unused = pf_[i];
  }
  tag_[i] = line;
  dirty_[i] = dirty;
  pf_[i] = prefetched;
  touch_way(set, way);
  return v;
}

std::uint64_t Cache::count_unused_prefetched() const {
  std::uint64_t n = 0;
  for (std::size_t i = 0; i < tag_.size(); ++i) n += (tag_[i] != kInvalid && pf_[i]);
  return n;
}

}  // namespace labkit::nvr_sim
