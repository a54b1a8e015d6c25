// NVR (NPU Vector Runahead). Modules:
//  - SD: stride detector for the metadata streams (row_ptr, col_idx, values);
//  - LBD: loop-bound detector for the column-tile loop (EWMA of observed trip counts);
//  - SCD: sparse chain detector; the runahead thread loads the row_ptr bounds of each tile it enters
//    (ss_start = row_ptr[first row], ss_end = row_ptr[last row + 1]) so its ranges are exact;
//  - vector prefetch generation (RunaheadWalker): vectors of vector_size index positions, lanes past
//    ss_end masked, lil = ptr + vector_size so no vector is emitted twice; on entering a tile it also
//    prefetches that tile's row_ptr and values lines;
//  - throttling: the runahead window (lines ahead of the NPU, default half the fill cache, at most 256)
//    halves when the accuracy over the last 64 feedback events drops below throttle_low and doubles
//    back (up to the configured window) above throttle_high.
#include <algorithm>

#include "prefetch_common.h"

namespace nvr {
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
        window_(max_window_) {}
  std::string name() const override { return "nvr"; }

  void on_access(const MemAccess& a, PrefetchSink& out) override {
    if (a.write) return;
    if (a.pc != kPcGather) sd_.observe(a.pc, a.addr, a.size, out);
    if (!d_.valid) return;
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

  void on_feedback(bool useful) override {
    (useful ? useful_ : useless_)++;
    if (useful_ + useless_ < 64) return;
    const double acc = double(useful_) / double(useful_ + useless_);
    if (acc < c_.cfg.throttle_low) {
      window_ = std::max<std::uint32_t>(8, window_ / 2);
      ++throttle_downs_;
    } else if (acc > c_.cfg.throttle_high) {
      window_ = std::min(max_window_, window_ * 2);
    }
    useful_ = useless_ = 0;
  }
  nlohmann::json stats() const override {
    return {{"vectors", walker_.vectors()}, {"resyncs", walker_.resyncs()}, {"tiles_entered", tiles_entered_},
            {"window_lines", window_}, {"throttle_downs", throttle_downs_}, {"col_loop_bound", tiles_.col_bound()}};
  }

 private:
  PrefetcherContext c_;
  const KernelDesc& d_;
  StrideTable sd_;
  TileTracker tiles_;
  RunaheadWalker walker_;
  std::uint32_t max_window_, window_;
  std::uint64_t useful_ = 0, useless_ = 0, throttle_downs_ = 0, tiles_entered_ = 0;
};
}  // namespace

std::unique_ptr<Prefetcher> make_nvr_prefetcher(const PrefetcherContext& ctx) {
  return std::make_unique<NvrPrefetcher>(ctx);
}
}  // namespace nvr
