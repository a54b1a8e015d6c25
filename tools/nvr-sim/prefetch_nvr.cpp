// NVR (NPU Vector Runahead). Modules:
//  - SD: stride detector for the metadata streams (row_ptr, col_idx, values);
//  - LBD: loop-bound detector for the column-tile loop (EWMA of observed trip counts);
//  - SCD: sparse chain detector; the runahead thread loads the row_ptr bounds of each tile it enters
//    (ss_start = row_ptr[first row], ss_end = row_ptr[last row + 1]) so its ranges are exact;
//  - vector prefetch generation (RunaheadWalker): vectors of vector_size index positions, lanes past
//    ss_end masked, lil = ptr + vector_size so no vector is emitted twice; on entering a tile it also
//    prefetches that tile's row_ptr and values lines;
//  - throttling (feedback-directed, after Srinath et al. HPCA 2007): every 64 feedback events, the
//    runahead window (lines ahead of the NPU, default half the fill cache, at most 256) halves when
//    accuracy < throttle_low. Above throttle_high it doubles back to the configured window, or, when
//    more than throttle_late of the useful prefetches were late (the demand met them in flight), up
//    to twice the configured window (at most 3/4 of the fill cache): the runahead must start earlier.
//    Lateness widening is off by default (throttle_late = 1); see the README for its measured effect.
// Two-sided kernels (CSR A x CSC B, kind spgemm) have two chains; the SCD keeps one entry for each
// (A: row_ptr -> col_idx -> values, B: col_ptr -> row_idx -> values). Each step ahead it reads both
// sets of exact bounds and prefetches the index and value lines of [s, e) and [bs, be) without
// computing the intersection, trading some redundant value lines for no comparison work.
#include <algorithm>
#include <deque>

#include "prefetch_common.h"

namespace labkit::nvr_sim {
namespace {
class NvrPrefetcher final : public Prefetcher {
 public:
  explicit NvrPrefetcher(const PrefetcherContext& c)
      : c_(c),
        d_(*c.desc),
        sd_(16, c.cfg.degree, c.line_bytes),
        tiles_(d_, c.cfg.ewma_alpha, c.cfg.ewma_init),
        walker_(d_, c.line_bytes, c.cfg.vector_size),
        max_window_(default_prefetch_window(c)),
        late_window_(std::max(max_window_, std::min(2 * max_window_, c.fill_cache_lines * 3 / 4))),
        window_(max_window_) {}
  std::string name() const override { return "nvr"; }

  void on_access(const MemAccess& a, PrefetchSink& out) override {
    if (a.write) return;
    if (a.pc != kPcGather) sd_.observe(a.pc, a.addr, a.size, out);
    if (!d_.valid) return;
    if (d_.two_sided) return two_sided(a, out);
    if (a.pc == kPcRowPtr) {
      tiles_.on_row_ptr(a.addr);
    } else if (a.pc == kPcGather) {
      tiles_.on_gather(a.addr);
      auto bounds = [&](std::uint32_t r) -> RunaheadWalker::Bounds {
        const std::uint64_t row0 = std::uint64_t(r) * d_.tile_rows;
        const std::uint64_t row1 = std::min<std::uint64_t>(d_.a->rows, row0 + d_.tile_rows);
        return {d_.a->row_ptr[row0], d_.a->row_ptr[row1]};
      };
      auto new_tile = [&](std::uint32_t r) {
        const auto b = bounds(r);
        const std::uint64_t row0 = std::uint64_t(r) * d_.tile_rows;
        const std::uint64_t rows = std::min<std::uint64_t>(d_.a->rows - row0, d_.tile_rows);
        out.prefetch_range(d_.row_ptr_base + row0 * d_.idx_bytes, std::uint32_t((rows + 1) * d_.idx_bytes),
                           c_.line_bytes);
        if (d_.values_base && b.end > b.start)
          out.prefetch_range(d_.values_base + b.start * d_.elem_bytes, std::uint32_t((b.end - b.start) * d_.elem_bytes),
                             c_.line_bytes);
        ++tiles_entered_;
      };
      walker_.on_demand(tiles_.row_tile(), tiles_.col_tile(), a.aux, tiles_.col_bound(),
                        tiles_.positions_for(window_, c_.line_bytes), bounds, new_tile, out);
    }
  }

  void on_late() override { ++late_; }
  void on_feedback(bool useful) override {
    (useful ? useful_ : useless_)++;
    if (useful_ + useless_ < 64) return;
    const double acc = double(useful_) / double(useful_ + useless_);
    if (acc < c_.cfg.throttle_low) {
      window_ = std::max<std::uint32_t>(8, window_ / 2);
      ++throttle_downs_;
    } else if (acc > c_.cfg.throttle_high) {
      const bool late = double(late_) > c_.cfg.throttle_late * double(useful_);
      if (late && window_ < late_window_) ++late_widenings_;
      window_ = late ? std::min(late_window_, window_ * 2) : std::min(max_window_, window_ * 2);
    }
    useful_ = useless_ = late_ = 0;
  }
  nlohmann::json stats() const override {
    if (d_.two_sided)
      return {{"steps_prefetched", steps_prefetched_}, {"resyncs", ts_resyncs_}, {"window_lines", window_},
              {"throttle_downs", throttle_downs_}, {"late_widenings", late_widenings_}};
    return {{"vectors", walker_.vectors()}, {"resyncs", walker_.resyncs()}, {"tiles_entered", tiles_entered_},
            {"window_lines", window_}, {"throttle_downs", throttle_downs_}, {"late_widenings", late_widenings_}, {"col_loop_bound", tiles_.col_bound()}};
  }

 private:
  // A new step starts with the NPU's B.col_ptr load; the row tile comes from A.row_ptr loads.
  void two_sided(const MemAccess& a, PrefetchSink& out) {
    if (a.pc == kPcRowPtr) {
      tiles_.on_row_ptr(a.addr);
      return;
    }
    if (a.pc != kPcBColPtr) return;
    const std::uint64_t c = (a.addr - d_.b_col_ptr_base) / d_.idx_bytes / d_.tile_rows;
    const std::uint64_t step = std::uint64_t(tiles_.row_tile()) * d_.n_col_tiles + c;
    while (!ahead_.empty() && ahead_.front().first <= step) {
      lines_ahead_ -= ahead_.front().second;
      ahead_.pop_front();
    }
    if (cursor_ <= step || (!ahead_.empty() && ahead_.front().first != step + 1)) {  // restart just behind
      ++ts_resyncs_;
      ahead_.clear();
      lines_ahead_ = 0;
      cursor_ = step + 1;
    }
    // The current row tile's A lines stay in use for all its column tiles, and the current step's B
    // lines are being read: the window is what is left after them, and at least the next step.
    const std::uint64_t foot = step_lines(step, true);
    const std::uint64_t budget = window_ > foot ? window_ - foot : 0;
    const std::uint64_t steps = std::uint64_t(tiles_.num_row_tiles()) * d_.n_col_tiles;
    while (cursor_ < steps && (lines_ahead_ < budget || cursor_ == step + 1)) {
      const std::uint64_t n = prefetch_step(cursor_, out);
      ahead_.emplace_back(cursor_++, n);
      lines_ahead_ += n;
      ++steps_prefetched_;
    }
  }
  // Prefetches step k's index and value lines (both chains, exact bounds); returns the line count.
  std::uint64_t prefetch_step(std::uint64_t k, PrefetchSink& out) { return visit_step(k, false, &out); }
  // Lines of step k (with its row tile's A lines when with_a, else only on its first column tile).
  std::uint64_t step_lines(std::uint64_t k, bool with_a) { return visit_step(k, with_a, nullptr); }
  std::uint64_t visit_step(std::uint64_t k, bool with_a, PrefetchSink* out) {
    const std::uint32_t L = c_.line_bytes;
    std::uint64_t n = 0;
    auto range = [&](std::uint64_t addr, std::uint64_t bytes) {
      if (bytes == 0) return;
      if (out) out->prefetch_range(addr, std::uint32_t(bytes), L);
      n += (addr + bytes - 1) / L - addr / L + 1;
    };
    const std::uint64_t r = k / d_.n_col_tiles, c = k % d_.n_col_tiles, T = d_.tile_rows;
    const std::uint64_t i = d_.idx_bytes, el = d_.elem_bytes;
    if (c == 0 || with_a) {  // SCD entry A: ss_start = row_ptr[first row], ss_end = row_ptr[last row + 1]
      const std::uint64_t r0 = r * T, r1 = std::min<std::uint64_t>(d_.a->rows, r0 + T);
      const std::uint64_t s = d_.a->row_ptr[r0], e = d_.a->row_ptr[r1];
      range(d_.row_ptr_base + r0 * i, (r1 - r0 + 1) * i);
      range(d_.col_idx_base + s * i, (e - s) * i);
      range(d_.values_base + s * el, (e - s) * el);
    }
    // SCD entry B: the column tile's col_ptr bounds.
    const std::uint64_t c0 = c * T, c1 = std::min<std::uint64_t>(d_.b->rows, c0 + T);
    const std::uint64_t bs = d_.b->row_ptr[c0], be = d_.b->row_ptr[c1];
    range(d_.b_col_ptr_base + c0 * i, (c1 - c0 + 1) * i);
    range(d_.b_row_idx_base + bs * i, (be - bs) * i);
    range(d_.b_base + bs * el, (be - bs) * el);
    return n;
  }

  PrefetcherContext c_;
  const KernelDesc& d_;
  StrideTable sd_;
  TileTracker tiles_;
  RunaheadWalker walker_;
  std::uint32_t max_window_, late_window_, window_;
  std::deque<std::pair<std::uint64_t, std::uint64_t>> ahead_;  // (step, lines) prefetched ahead of the NPU
  std::uint64_t cursor_ = 0, lines_ahead_ = 0, steps_prefetched_ = 0, ts_resyncs_ = 0;
  std::uint64_t useful_ = 0, useless_ = 0, late_ = 0, throttle_downs_ = 0, late_widenings_ = 0, tiles_entered_ = 0;
};
}  // namespace

std::unique_ptr<Prefetcher> make_nvr_prefetcher(const PrefetcherContext& ctx) {
  return std::make_unique<NvrPrefetcher>(ctx);
}
}  // namespace labkit::nvr_sim
