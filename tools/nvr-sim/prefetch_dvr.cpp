// Decoupled Vector Runahead (DVR, MICRO 2023) adapted to the NPU loop nest. A stride detector covers
// the metadata streams; the runahead subthread (RunaheadWalker) walks the loop nest ahead of the
// NPU's gathers. DVR does not read the row_ptr of tiles ahead: it knows the bounds of the current
// tile (the row_ptr vector the NPU loaded, whose last value is also where the next tile starts) and
// estimates every later tile as tile_rows x EWMA(row length) iterations (alpha 0.3, initial bound 2,
// as in the DVR baseline). The column-tile loop bound comes from the LBD.
#include <algorithm>

#include "prefetch_common.h"

namespace labkit::nvr_sim {
namespace {
class DvrPrefetcher final : public Prefetcher {
 public:
  explicit DvrPrefetcher(const PrefetcherContext& c)
      : c_(c),
        d_(*c.desc),
        sd_(16, c.cfg.degree, c.line_bytes),
        tiles_(d_, c.cfg.ewma_alpha, c.cfg.ewma_init),
        walker_(d_, c.line_bytes, c.cfg.vector_size),
        row_len_{c.cfg.ewma_alpha, c.cfg.ewma_init},
        window_(default_prefetch_window(c)) {}
  std::string name() const override { return "dvr"; }

  void on_access(const MemAccess& a, PrefetchSink& out) override {
    if (a.write) return;
    if (a.pc != kPcGather) sd_.observe(a.pc, a.addr, a.size, out);
    if (!d_.valid || d_.two_sided) return;  // one-chain runahead only: stride detector on two-sided kernels
    if (a.pc == kPcRowPtr) {
      tiles_.on_row_ptr(a.addr);
      // The NPU's row_ptr vector: the bounds of the current tile, visible to the subthread.
      const std::uint64_t r0 = (a.addr - d_.row_ptr_base) / d_.idx_bytes;
      const std::uint64_t n = a.size / d_.idx_bytes;  // rows + 1 values
      for (std::uint64_t i = r0; i + 1 < r0 + n; ++i) row_len_.update(d_.a->row_ptr[i + 1] - d_.a->row_ptr[i]);
      cur_r_ = tiles_.row_tile();
      tile_start_ = d_.a->row_ptr[r0];
      tile_end_ = d_.a->row_ptr[r0 + n - 1];
    } else if (a.pc == kPcGather) {
      tiles_.on_gather(a.addr);
      const std::uint64_t nnz = d_.a->col_idx.size();
      const double est = double(d_.tile_rows) * row_len_.value;
      auto bounds = [&](std::uint32_t r) -> RunaheadWalker::Bounds {
        if (r <= cur_r_) return {tile_start_, tile_end_};
        const std::uint64_t s = std::min<std::uint64_t>(nnz, tile_end_ + std::uint64_t(double(r - cur_r_ - 1) * est));
        return {s, std::min<std::uint64_t>(nnz, s + std::uint64_t(est + 0.5))};
      };
      walker_.on_demand(tiles_.row_tile(), tiles_.col_tile(), a.aux, tiles_.col_bound(),
                        tiles_.positions_for(window_, c_.line_bytes), bounds, [](std::uint32_t) {}, out);
    }
  }
  nlohmann::json stats() const override {
    return {{"vectors", walker_.vectors()}, {"resyncs", walker_.resyncs()}, {"row_len_ewma", row_len_.value},
            {"col_loop_bound", tiles_.col_bound()}, {"window_lines", window_}};
  }

 private:
  PrefetcherContext c_;
  const KernelDesc& d_;
  StrideTable sd_;
  TileTracker tiles_;
  RunaheadWalker walker_;
  Ewma row_len_;
  std::uint32_t window_;
  std::uint32_t cur_r_ = 0;
  std::uint64_t tile_start_ = 0, tile_end_ = 0;
};
}  // namespace

std::unique_ptr<Prefetcher> make_dvr_prefetcher(const PrefetcherContext& ctx) {
  return std::make_unique<DvrPrefetcher>(ctx);
}
}  // namespace labkit::nvr_sim
