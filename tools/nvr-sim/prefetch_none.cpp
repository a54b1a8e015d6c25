// The baseline: never prefetches.
#include "prefetcher.h"

namespace labkit::nvr_sim {
namespace {
class NoPrefetcher final : public Prefetcher {
 public:
  std::string name() const override { return "none"; }
  void on_access(const MemAccess&, PrefetchSink&) override {}
};
}  // namespace

std::unique_ptr<Prefetcher> make_no_prefetcher() { return std::make_unique<NoPrefetcher>(); }
}  // namespace labkit::nvr_sim
