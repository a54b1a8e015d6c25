// PC-based stride prefetcher (ChampSim ip_stride style): per-PC last address and stride; a stride
// seen twice in a row prefetches the next `degree` vectors.
#include "prefetch_common.h"

namespace labkit::nvr_sim {
namespace {
class StridePrefetcher final : public Prefetcher {
 public:
  explicit StridePrefetcher(const PrefetcherContext& c) : table_(16, c.cfg.degree, c.line_bytes) {}
  std::string name() const override { return "stride"; }
  void on_access(const MemAccess& a, PrefetchSink& out) override {
    if (!a.write) table_.observe(a.pc, a.addr, a.size, out);
  }

 private:
  StrideTable table_;
};
}  // namespace

std::unique_ptr<Prefetcher> make_stride_prefetcher(const PrefetcherContext& ctx) {
  return std::make_unique<StridePrefetcher>(ctx);
}
}  // namespace labkit::nvr_sim
