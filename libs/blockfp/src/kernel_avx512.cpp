// AVX-512 softmax row kernel (compiled with -mavx512f -mavx512dq -ffp-contract=off; called only when the
// CPU has AVX-512F/DQ). Operation for operation the scalar model's (kernel_common.h).
#include <immintrin.h>

#include <algorithm>
#include <limits>

#include "kernel_common.h"

namespace labkit::blockfp::detail {
namespace {

inline __mmask16 tail_mask(int64_t left) { return left >= 16 ? 0xFFFF : static_cast<__mmask16>((1u << left) - 1); }

inline __m512 quant_v(const Plan& p, __m512 y, __m512 step, __m512 inv) {
  if (!p.quant) return _mm512_sub_ps(_mm512_setzero_ps(), y);
  const __m512 q = _mm512_mul_ps(_mm512_abs_ps(y), inv);
  const __m512 r = p.truncate ? _mm512_roundscale_ps(q, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC)
                              : _mm512_roundscale_ps(q, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  const __mmask16 over = _mm512_cmp_ps_mask(r, _mm512_set1_ps(p.max_finite), _CMP_GT_OQ);
  const __m512 sat = p.inf_policy ? _mm512_set1_ps(std::numeric_limits<float>::infinity())
                                  : _mm512_mul_ps(_mm512_set1_ps(p.max_finite), step);
  return _mm512_mask_blend_ps(over, _mm512_mul_ps(r, step), sat);
}

inline __m512i exp_v(const Plan& p, __m512 t) {
  const __mmask16 small = _mm512_cmp_ps_mask(t, _mm512_set1_ps(31.0f), _CMP_LT_OQ);
  const __m512 tc = _mm512_min_ps(t, _mm512_set1_ps(31.0f));
  __m512 kf = _mm512_roundscale_ps(tc, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
  const __m512 fr = _mm512_sub_ps(tc, kf);
  const __m512 idxf = _mm512_roundscale_ps(_mm512_mul_ps(fr, _mm512_set1_ps(p.index_scale)),
                                           _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512i idx = _mm512_cvttps_epi32(idxf);
  const __mmask16 carry = _mm512_cmpeq_epi32_mask(idx, _mm512_set1_epi32(static_cast<int>(p.index_scale)));
  idx = _mm512_mask_mov_epi32(idx, carry, _mm512_setzero_si512());
  kf = _mm512_mask_add_ps(kf, carry, kf, _mm512_set1_ps(1.0f));
  const __m512i k = _mm512_cvttps_epi32(kf);
  __m512i entry;
  if (p.levels == 1) {
    entry = _mm512_i32gather_epi32(idx, reinterpret_cast<const int*>(p.hi), 4);
  } else {
    const __m512i h = _mm512_srlv_epi32(idx, _mm512_set1_epi32(p.lo_bits));
    const __m512i l = _mm512_and_si512(idx, _mm512_set1_epi32((1 << p.lo_bits) - 1));
    const __m512i prod = _mm512_mullo_epi32(_mm512_i32gather_epi32(h, reinterpret_cast<const int*>(p.hi), 4),
                                            _mm512_i32gather_epi32(l, reinterpret_cast<const int*>(p.lo), 4));
    entry = _mm512_srlv_epi32(_mm512_add_epi32(prod, _mm512_set1_epi32(1 << (p.entry_bits - 1))),
                              _mm512_set1_epi32(p.entry_bits));
  }
  const __m512i e = _mm512_srlv_epi32(_mm512_sllv_epi32(entry, _mm512_set1_epi32(p.shift)), k);
  return _mm512_maskz_mov_epi32(small, e);
}

}  // namespace

bool row_avx512(const Plan& p, const float* x, float* out, int64_t n, float* y, uint32_t* e) {
  const __m512 ninf = _mm512_set1_ps(-std::numeric_limits<float>::infinity());
  __m512 vm = ninf;
  __mmask16 bad = 0;
  for (int64_t i = 0; i < n; i += 16) {
    const __mmask16 tm = tail_mask(n - i);
    const __m512 v = _mm512_mask_loadu_ps(ninf, tm, x + i);
    bad |= _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q) |
           _mm512_cmp_ps_mask(v, _mm512_set1_ps(std::numeric_limits<float>::infinity()), _CMP_EQ_OQ);
    vm = _mm512_max_ps(vm, v);
  }
  if (bad) {
    std::fill(out, out + n, std::numeric_limits<float>::quiet_NaN());
    return true;
  }
  const float m = _mm512_reduce_max_ps(vm);
  if (m == -std::numeric_limits<float>::infinity()) {
    std::fill(out, out + n, 0.0f);
    return true;
  }
  const __m512 vmax = _mm512_set1_ps(m), l2e = _mm512_set1_ps(kLog2e);
  for (int64_t i = 0; i < n; i += 16) {
    const __mmask16 tm = tail_mask(n - i);
    const __m512 v = _mm512_maskz_loadu_ps(tm, x + i);
    const __mmask16 masked = _mm512_cmp_ps_mask(v, ninf, _CMP_EQ_OQ);
    const __m512 yv = _mm512_mul_ps(_mm512_sub_ps(v, vmax), l2e);
    _mm512_mask_storeu_ps(y + i, tm, _mm512_maskz_mov_ps(static_cast<__mmask16>(~masked), yv));
  }
  __m512i acc = _mm512_setzero_si512();
  __m512 step = _mm512_set1_ps(1.0f), inv = step;
  for (int64_t b0 = 0; b0 < n; b0 += p.block) {
    const int64_t len = std::min<int64_t>(p.block, n - b0);
    if (p.quant) {
      int E;
      if (p.pivot_max) {
        __m512 vmin = _mm512_setzero_ps();
        for (int64_t i = 0; i < len; i += 16)
          vmin = _mm512_min_ps(vmin, _mm512_maskz_loadu_ps(tail_mask(len - i), y + b0 + i));
        const float amax = -_mm512_reduce_min_ps(vmin);
        E = amax == 0 ? p.emin : max_pivot_exponent(p, amax);
      } else {
        E = block_exponent(p, y + b0, static_cast<int>(len));
      }
      const int s = E - p.m + 1;
      if (s < -126 || s > 126) return false;
      step = _mm512_set1_ps(pow2(s));
      inv = _mm512_set1_ps(pow2(-s));
    }
    for (int64_t i = 0; i < len; i += 16) {
      const __mmask16 tm = tail_mask(len - i);
      const __m512 yv = _mm512_maskz_loadu_ps(tm, y + b0 + i);
      const __m512 xv = _mm512_maskz_loadu_ps(tm, x + b0 + i);
      const __mmask16 keep = tm & static_cast<__mmask16>(~_mm512_cmp_ps_mask(xv, ninf, _CMP_EQ_OQ));
      const __m512i ev = _mm512_maskz_mov_epi32(keep, exp_v(p, quant_v(p, yv, step, inv)));
      _mm512_mask_storeu_epi32(e + b0 + i, tm, ev);
      acc = _mm512_add_epi64(acc, _mm512_cvtepu32_epi64(_mm512_castsi512_si256(ev)));
      acc = _mm512_add_epi64(acc, _mm512_cvtepu32_epi64(_mm512_extracti64x4_epi64(ev, 1)));
    }
  }
  const uint64_t sum = static_cast<uint64_t>(_mm512_reduce_add_epi64(acc));
  if (sum == 0) {
    std::fill(out, out + n, std::numeric_limits<float>::quiet_NaN());
    return true;
  }
  const __m512 vinv = _mm512_set1_ps(1.0f / static_cast<float>(sum));
  for (int64_t i = 0; i < n; i += 16) {
    const __mmask16 tm = tail_mask(n - i);
    const __m512i ev = _mm512_maskz_loadu_epi32(tm, e + i);
    _mm512_mask_storeu_ps(out + i, tm, _mm512_mul_ps(_mm512_cvtepi32_ps(ev), vinv));
  }
  return true;
}

}  // namespace labkit::blockfp::detail
