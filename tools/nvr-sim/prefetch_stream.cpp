// Stream prefetcher: 16 trackers, one per 4 KB region. Two accesses moving the same direction by at
// most two lines confirm a stream; a confirmed stream keeps `degree` lines ahead of the last access,
// within its region.
#include <vector>

#include "prefetcher.h"

namespace labkit::nvr_sim {
namespace {
class StreamPrefetcher final : public Prefetcher {
 public:
  explicit StreamPrefetcher(const PrefetcherContext& c) : degree_(c.cfg.degree), line_bytes_(c.line_bytes), t_(16) {}
  std::string name() const override { return "stream"; }

  void on_access(const MemAccess& a, PrefetchSink& out) override {
    if (a.write || a.size == 0) return;
    const std::uint64_t first = a.addr / line_bytes_, last = (a.addr + a.size - 1) / line_bytes_;
    for (std::uint64_t l = first; l <= last; ++l) observe(l, out);
  }

 private:
  struct Tracker {
    bool valid = false;
    std::uint64_t region = 0, last = 0, pf_edge = 0, lru = 0;
    int dir = 0, conf = 0;
  };
  void observe(std::uint64_t line, PrefetchSink& out) {
    const std::uint64_t lines_per_region = 4096 / line_bytes_;
    const std::uint64_t region = line / lines_per_region;
    ++clock_;
    Tracker* tr = nullptr;
    for (auto& t : t_)
      if (t.valid && t.region == region) tr = &t;
    if (!tr) {
      tr = &t_[0];
      for (auto& t : t_)
        if (!t.valid || t.lru < tr->lru) tr = &t;
      *tr = Tracker{true, region, line, line, clock_, 0, 0};
      return;
    }
    tr->lru = clock_;
    const std::int64_t d = std::int64_t(line) - std::int64_t(tr->last);
    if (d == 0) return;
    const int dir = d > 0 ? 1 : -1;
    if (std::abs(d) <= 2 && dir == tr->dir) tr->conf = std::min(tr->conf + 1, 3);
    else {
      tr->dir = dir;
      tr->conf = std::abs(d) <= 2 ? 1 : 0;
      tr->pf_edge = line;
    }
    tr->last = line;
    if (tr->conf < 2) return;
    for (std::uint32_t k = 1; k <= degree_; ++k) {
      const std::uint64_t target = line + std::uint64_t(std::int64_t(k) * dir);
      if (target / lines_per_region != region) break;
      const bool fresh = dir > 0 ? target > tr->pf_edge : target < tr->pf_edge;
      if (!fresh) continue;
      out.prefetch(target * line_bytes_);
      tr->pf_edge = target;
    }
  }

  std::uint32_t degree_, line_bytes_;
  std::vector<Tracker> t_;
  std::uint64_t clock_ = 0;
};
}  // namespace

std::unique_ptr<Prefetcher> make_stream_prefetcher(const PrefetcherContext& ctx) {
  return std::make_unique<StreamPrefetcher>(ctx);
}
}  // namespace labkit::nvr_sim
