#include "prefetcher.h"

#include <labkit/core/error.h>

namespace labkit::nvr_sim {

std::unique_ptr<Prefetcher> make_prefetcher(const PrefetcherContext& ctx) {
  const auto& t = ctx.cfg.type;
  if (t == "none") return make_no_prefetcher();
  if (t == "stride") return make_stride_prefetcher(ctx);
  if (t == "stream") return make_stream_prefetcher(ctx);
  if (t == "imp") return make_imp_prefetcher(ctx);
  if (t == "dvr") return make_dvr_prefetcher(ctx);
  if (t == "nvr") return make_nvr_prefetcher(ctx);
  throw labkit::InputError("config prefetcher.type: unknown prefetcher '" + t + "'");
}

}  // namespace labkit::nvr_sim
