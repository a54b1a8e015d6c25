// Building blocks shared by prefetchers: a PC-indexed stride table (the SD of DVR/NVR, and the whole
// stride prefetcher), an EWMA, and the tile-step tracker with the loop-bound detector (LBD).
#pragma once

#include <algorithm>

#include <array>
#include <cmath>
#include <tuple>
#include <cstdint>
#include <vector>

#include "prefetcher.h"

namespace labkit::nvr_sim {

// Lines a runahead prefetcher may issue per step: configured, else half the fill cache (1..256).
inline std::uint32_t default_prefetch_window(const PrefetcherContext& c) {
  return c.cfg.window_lines ? c.cfg.window_lines : std::clamp(c.fill_cache_lines / 2, 1u, 256u);
}

// PC-indexed stride detector: 16 entries, LRU. A stride seen twice in a row becomes confident; a
// confident entry prefetches the next `degree` vectors, never re-requesting one it already asked for.
class StrideTable {
 public:
  StrideTable(std::size_t entries, std::uint32_t degree, std::uint32_t line_bytes)
      : e_(entries), degree_(degree), line_bytes_(line_bytes) {}

  // Returns true if the entry for this pc is confident.
  bool observe(std::uint64_t pc, std::uint64_t addr, std::uint32_t size, PrefetchSink& out) {
    ++clock_;
    Entry* hit = nullptr;
    for (auto& e : e_)
      if (e.valid && e.pc == pc) hit = &e;
    if (!hit) {
      Entry* v = &e_[0];
      for (auto& e : e_)
        if (!e.valid || e.lru < v->lru) v = &e;
      *v = Entry{};
      v->valid = true;
      v->pc = pc;
      v->last = addr;
      v->lru = clock_;
      return false;
    }
    hit->lru = clock_;
    const std::int64_t stride = std::int64_t(addr) - std::int64_t(hit->last);
    if (stride == hit->stride && stride != 0) {
      hit->conf = std::min(hit->conf + 1, 3);
    } else {
      hit->conf = 0;
      hit->stride = stride;
      hit->last_pf = addr;
    }
    hit->last = addr;
    if (hit->conf < 1) return false;
    for (std::uint32_t k = 1; k <= degree_; ++k) {
      const std::uint64_t target = addr + std::uint64_t(std::int64_t(k) * stride);
      const bool fresh = stride > 0 ? target > hit->last_pf : target < hit->last_pf;
      if (!fresh) continue;
      out.prefetch_range(target, size, line_bytes_);
      hit->last_pf = target;
    }
    return true;
  }

 private:
  struct Entry {
    bool valid = false;
    std::uint64_t pc = 0;
    std::uint64_t last = 0, last_pf = 0, lru = 0;
    std::int64_t stride = 0;
    int conf = 0;
  };
  std::vector<Entry> e_;
  std::uint32_t degree_, line_bytes_;
  std::uint64_t clock_ = 0;
};

struct Ewma {
  double alpha, value;
  void update(double x) { value = alpha * x + (1 - alpha) * value; }
  std::uint32_t rounded() const { return static_cast<std::uint32_t>(std::max(1.0, std::floor(value + 0.5))); }
};

// Where the NPU is in the tiled loop nest: row tile r (from its row_ptr loads), column tile c (from
// the gather offsets). The LBD estimates the column-tile loop's trip count with an EWMA of the trip
// counts it has observed, and predicts the step k steps ahead.
class TileTracker {
 public:
  TileTracker(const KernelDesc& d, double alpha, double init) : d_(d), col_bound_{alpha, init} {}

  void on_row_ptr(std::uint64_t addr) {
    const std::uint32_t r = static_cast<std::uint32_t>((addr - d_.row_ptr_base) / d_.idx_bytes / d_.tile_rows);
    if (r != r_) {
      if (seen_) col_bound_.update(double(c_max_) + 1);
      r_ = r;
      c_ = c_max_ = 0;
    }
    seen_ = true;
  }
  void on_gather(std::uint64_t addr) {
    c_ = static_cast<std::uint32_t>(((addr - d_.b_base) % d_.b_row_bytes) / d_.tile_bytes);
    c_max_ = std::max(c_max_, c_);
  }
  std::uint32_t row_tile() const { return r_; }
  std::uint32_t col_tile() const { return c_; }
  std::uint32_t col_bound() const { return col_bound_.rounded(); }
  // The (row tile, column tile) k steps after the current one, per the estimated loop bound.
  std::pair<std::uint32_t, std::uint32_t> ahead(std::uint32_t k) const {
    std::uint32_t r = r_, c = c_;
    const std::uint32_t bound = col_bound();
    for (std::uint32_t i = 0; i < k; ++i) {
      if (c + 1 < bound) ++c;
      else {
        ++r;
        c = 0;
      }
    }
    return {r, c};
  }
  std::uint32_t num_row_tiles() const { return (d_.a->rows + d_.tile_rows - 1) / d_.tile_rows; }
  // Window in index positions for a budget in lines: each position gathers its own B row segment
  // (distinct rows rarely share a line), ceil(tile_bytes / line) lines.
  std::uint64_t positions_for(std::uint64_t lines, std::uint32_t line_bytes) const {
    const std::uint64_t per = std::max<std::uint64_t>(1, (d_.tile_bytes + line_bytes - 1) / line_bytes);
    return std::max<std::uint64_t>(1, lines / per);
  }

 private:
  const KernelDesc& d_;
  Ewma col_bound_;
  std::uint32_t r_ = 0, c_ = 0, c_max_ = 0;
  bool seen_ = false;
};

// The runahead subthread of DVR/NVR: a cursor (row tile, column tile, index position) that walks the
// loop nest ahead of the NPU's gathers and turns each vector of `vector_size` index positions into
// gather prefetches (plus the col_idx line it reads to get the indices). It stays at most `window`
// positions ahead of the demand stream. Bounds of each row tile come from the owner (exact for NVR,
// estimated for DVR); the column-tile loop bound comes from the LBD. If the NPU turns up at a step the
// walker did not predict, the walker restarts just behind it.
class RunaheadWalker {
 public:
  struct Bounds {
    std::uint64_t start, end;
  };
  RunaheadWalker(const KernelDesc& d, std::uint32_t line_bytes, std::uint32_t vector_size)
      : d_(d), line_bytes_(line_bytes), vs_(vector_size) {}

  // A demand gather at (r, c, p). `bounds(r)` gives the believed index range of row tile r;
  // `on_new_tile(r)` is called when the walker enters row tile r (for metadata prefetches).
  template <typename BoundsFn, typename TileFn>
  void on_demand(std::uint32_t r, std::uint32_t c, std::uint64_t p, std::uint32_t col_bound, std::uint64_t window,
                 BoundsFn&& bounds, TileFn&& on_new_tile, PrefetchSink& out) {
    if (lead_ > 0) --lead_;
    const bool behind = std::make_tuple(r, c, p) >= std::make_tuple(r_, c_, p_);
    bool known = r == r_ && c == c_;
    for (const auto& s : recent_) known |= s.first == r && s.second == c;
    if (!started_ || behind || !known) {
      r_ = r, c_ = c, p_ = p + 1, lead_ = 0, started_ = true;
      ++resyncs_;
      recent_.fill({~0u, ~0u});
      recent_[0] = {r, c};
      recent_pos_ = 1;
    }
    const std::uint32_t tiles = (d_.a->rows + d_.tile_rows - 1) / d_.tile_rows;
    while (lead_ < window && r_ < tiles) {
      const Bounds b = bounds(r_);
      if (p_ >= b.end) {  // step done: next step per the loop-bound estimate
        if (c_ + 1 < col_bound) ++c_;
        else {
          ++r_;
          c_ = 0;
          if (r_ >= tiles) break;
          on_new_tile(r_);
        }
        recent_[recent_pos_++ % recent_.size()] = {r_, c_};
        p_ = bounds(r_).start;
        continue;
      }
      const std::uint64_t hi = std::min<std::uint64_t>(p_ + vs_, b.end);  // lanes >= ss_end masked off
      for (std::uint64_t q = p_; q < hi && q < d_.a->col_idx.size(); ++q) emit(q, c_, out);
      lead_ += hi - p_;
      p_ = hi;  // lil = ptr + vector_size
      ++vectors_;
    }
  }
  std::uint64_t vectors() const { return vectors_; }
  std::uint64_t resyncs() const { return resyncs_; }

 private:
  void emit(std::uint64_t q, std::uint32_t c, PrefetchSink& out) {
    const std::uint64_t ci = (d_.col_idx_base + q * d_.idx_bytes) / line_bytes_;
    if (ci != last_ci_) {
      last_ci_ = ci;
      out.prefetch(ci * line_bytes_);
    }
    const std::uint64_t addr =
        d_.b_base + std::uint64_t(d_.a->col_idx[q]) * d_.b_row_bytes + std::uint64_t(c) * d_.tile_bytes;
    out.prefetch_range(addr, d_.tile_bytes, line_bytes_);
  }

  const KernelDesc& d_;
  std::uint32_t line_bytes_, vs_;
  std::uint32_t r_ = 0, c_ = 0;
  std::uint64_t p_ = 0, lead_ = 0, last_ci_ = ~0ull, vectors_ = 0, resyncs_ = 0;
  bool started_ = false;
  std::array<std::pair<std::uint32_t, std::uint32_t>, 8> recent_{};
  std::size_t recent_pos_ = 0;
};

}  // namespace labkit::nvr_sim
