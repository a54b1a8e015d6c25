// IMP (Yu et al., MICRO 2015) on the NPU. It streams the index array (stride table) and learns the
// indirect pattern target = base + (index << shift) from gathers: the shift is searched over 0..12
// (power-of-two coefficients only, as in hardware IMP); a shift whose base repeats on two consecutive
// gathers is taken (prefetch_threshold 2). Each index load then prefetches the targets of the next `distance` index
// elements with the last learned base. It knows nothing about row bounds or column tiles.
#include "prefetch_common.h"

namespace labkit::nvr_sim {
namespace {
class ImpPrefetcher final : public Prefetcher {
 public:
  explicit ImpPrefetcher(const PrefetcherContext& c)
      : c_(c), d_(*c.desc), sd_(16, c.cfg.degree, c.line_bytes) {}
  std::string name() const override { return "imp"; }

  void on_access(const MemAccess& a, PrefetchSink& out) override {
    if (a.write) return;
    if (a.pc != kPcGather) sd_.observe(a.pc, a.addr, a.size, out);
    if (!d_.valid || d_.two_sided) return;  // its A[B[i]] pattern has no two-sided form: stride only
    if (a.pc == kPcGather) learn(a);
    else if (a.pc == kPcColIdx && conf_ >= 2) trigger(a, out);
  }
  nlohmann::json stats() const override { return {{"shift", shift_}, {"confirmed_patterns", confirmed_}}; }

 private:
  // Search every shift: the right one gives the same base for consecutive gathers of a step.
  void learn(const MemAccess& a) {
    const std::uint64_t idx = d_.a->col_idx[a.aux];
    bool found = false;
    for (int s = 0; s <= kMaxShift; ++s) {
      const std::uint64_t base = a.addr - (idx << s);
      if (base == last_base_[s] && idx != last_idx_ && !found) {
        found = true;
        if (s == shift_ && base == base_) conf_ = std::min(conf_ + 1, 3);
        else {
          shift_ = s;
          base_ = base;
          conf_ = 2;
          ++confirmed_;
        }
      }
      last_base_[s] = base;
    }
    if (!found && idx != last_idx_) conf_ = 0;
    last_idx_ = idx;
  }
  void trigger(const MemAccess& a, PrefetchSink& out) {
    const std::uint64_t p0 = (a.addr - d_.col_idx_base) / d_.idx_bytes;
    const std::uint64_t n = a.size / d_.idx_bytes;
    const std::uint64_t nnz = d_.a->col_idx.size();
    const std::uint64_t from = std::max(p0 + n, hw_), to = std::min<std::uint64_t>(p0 + n + c_.cfg.distance, nnz);
    for (std::uint64_t p = from; p < to; ++p)
      out.prefetch_range(base_ + (std::uint64_t(d_.a->col_idx[p]) << shift_), d_.tile_bytes, c_.line_bytes);
    hw_ = std::max(hw_, to);
  }

  PrefetcherContext c_;
  const KernelDesc& d_;
  StrideTable sd_;
  static constexpr int kMaxShift = 12;
  std::uint64_t last_base_[kMaxShift + 1] = {};
  std::uint64_t last_idx_ = ~0ull;
  std::uint64_t base_ = 0, hw_ = 0, confirmed_ = 0;
  int shift_ = -1, conf_ = 0;
};
}  // namespace

std::unique_ptr<Prefetcher> make_imp_prefetcher(const PrefetcherContext& ctx) {
  return std::make_unique<ImpPrefetcher>(ctx);
}
}  // namespace labkit::nvr_sim
