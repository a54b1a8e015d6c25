// Kernel dispatch: ISA choice at run time, rows over std::threads, scalar fallback.
#include <algorithm>
#include <thread>

#include "kernel_common.h"
#include "labkit/blockfp/kernel.h"

namespace labkit::blockfp {
namespace detail {

Plan make_plan(const SoftmaxSpec& s, const ExpLut& lut) {
  const Format& f = s.format;
  Plan p{};
  p.spec = &s;
  p.lut = &lut;
  p.quant = f.kind == Kind::kBfp || f.kind == Kind::kDbfp;
  p.pivot_max = f.kind == Kind::kBfp || f.pivot == Pivot::kMax;
  p.truncate = f.rounding == Rounding::kTruncate;
  p.stochastic = p.quant && f.rounding == Rounding::kStochastic;
  p.inf_policy = f.overflow == Overflow::kInfinity;
  p.m = f.mantissa_bits;
  const uint32_t inf_code = (1u << f.mantissa_bits) - 1;
  p.max_finite = static_cast<float>(p.inf_policy ? inf_code - 1 : inf_code);
  p.emin = f.min_exponent();
  p.emax = f.max_exponent();
  p.block = p.quant ? f.block : 64;
  p.index_bits = lut.spec().index_bits;
  p.index_scale = std::ldexp(1.0f, p.index_bits);
  p.levels = lut.spec().levels;
  p.lo_bits = lut.lo_bits();
  p.entry_bits = lut.spec().entry_bits;
  p.shift = kQ - p.entry_bits;
  p.hi = lut.hi().data();
  p.lo = lut.lo().empty() ? nullptr : lut.lo().data();
  p.hi_shifted.resize(lut.hi().size());
  for (size_t i = 0; i < lut.hi().size(); ++i) p.hi_shifted[i] = lut.hi()[i] << p.shift;
  if (p.levels == 1 && p.quant) {
    p.block_tables_d0 = std::max(p.index_bits - 4, 0);
    const int tables = std::max(31 - p.m - p.block_tables_d0 + 1, 0);
    p.block_tables.resize(static_cast<size_t>(tables) * 16);
    for (int t = 0; t < tables; ++t) {
      const int d = p.block_tables_d0 + t, size = 1 << std::max(p.index_bits - d, 0);
      for (int j = 0; j < 16; ++j) p.block_tables[t * 16 + j] = p.hi_shifted[static_cast<size_t>(j & (size - 1)) << d];
    }
  }
  return p;
}

int block_exponent(const Plan& p, const float* y, int len) {
  float amax = 0;
  for (int i = 0; i < len; ++i)
    if (std::isfinite(y[i])) amax = std::max(amax, std::fabs(y[i]));
  if (amax == 0) return p.emin;
  if (p.pivot_max) return max_pivot_exponent(p, amax);
  std::vector<int> ex;
  ex.reserve(len);
  for (int i = 0; i < len; ++i)
    if (y[i] != 0 && std::isfinite(y[i])) ex.push_back(float_exponent(y[i]));
  return shared_exponent(p.spec->format, std::move(ex), amax);
}

}  // namespace detail

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::kAuto: return "auto";
    case Isa::kScalar: return "scalar";
    case Isa::kAvx2: return "avx2";
    case Isa::kAvx512: return "avx512";
  }
  return "?";
}

Isa best_isa() {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq")) return Isa::kAvx512;
  if (__builtin_cpu_supports("avx2")) return Isa::kAvx2;
  return Isa::kScalar;
}

bool vector_path(const SoftmaxSpec& s, const ExpLut& lut) {
  const Format& f = s.format;
  if (f.kind == Kind::kMx) return false;
  if (f.kind == Kind::kDbfp && f.split_range > 0) return false;
  if (lut.spec().levels == 2 && lut.spec().entry_bits > 15) return false;
  return true;
}

Isa softmax_rows(const SoftmaxSpec& s, const ExpLut& lut, const float* x, float* p, int64_t rows, int64_t n,
                 int threads, Isa isa) {
  const Isa best = best_isa();
  if (isa == Isa::kAuto) isa = best;
  if (isa == Isa::kAvx512 && best != Isa::kAvx512) isa = best;
  if (isa == Isa::kAvx2 && best == Isa::kScalar) isa = Isa::kScalar;
  if (!vector_path(s, lut)) isa = Isa::kScalar;
  // Stochastic rounding has an AVX2 path only.
  if (isa == Isa::kAvx512 && s.format.kind != Kind::kFloat32 && s.format.rounding == Rounding::kStochastic)
    isa = Isa::kAvx2;
  const detail::Plan plan = detail::make_plan(s, lut);
  auto work = [&](int64_t r0, int64_t r1) {
    std::vector<float> y(isa == Isa::kAvx2 ? 9 * plan.block : n);
    std::vector<uint32_t> e(isa == Isa::kAvx512 ? n : 0);
    for (int64_t r = r0; r < r1; ++r) {
      const float* xr = x + r * n;
      float* pr = p + r * n;
      bool done = false;
      if (isa == Isa::kAvx512) done = detail::row_avx512(plan, xr, pr, n, y.data(), e.data());
      if (isa == Isa::kAvx2) done = detail::row_avx2(plan, xr, pr, n, y.data(), static_cast<uint64_t>(r));
      if (!done) softmax_two_pass(s, lut, xr, pr, n, static_cast<uint64_t>(r));
    }
  };
  const int64_t t = std::max<int64_t>(1, std::min<int64_t>(threads, rows));
  if (t == 1) {
    work(0, rows);
    return isa;
  }
  std::vector<std::thread> pool;
  for (int64_t i = 0; i < t; ++i) pool.emplace_back(work, rows * i / t, rows * (i + 1) / t);
  for (auto& th : pool) th.join();
  return isa;
}

}  // namespace labkit::blockfp
