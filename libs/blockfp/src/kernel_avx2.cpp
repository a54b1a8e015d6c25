// AVX2 softmax row kernel (compiled with -mavx2 -ffp-contract=off; called only when the CPU has AVX2).
// Full 8-lane vectors inside each block; block tails go through the scalar element pipeline
// (kernel_common.h), which performs the same operations.
#include <immintrin.h>

#include <algorithm>
#include <limits>

#include "kernel_common.h"

namespace labkit::blockfp::detail {
namespace {

inline __m256 abs_ps(__m256 v) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), v); }

inline __m256 quant_v(const Plan& p, __m256 y, __m256 step, __m256 inv) {
  if (!p.quant) return _mm256_sub_ps(_mm256_setzero_ps(), y);
  const __m256 q = _mm256_mul_ps(abs_ps(y), inv);
  const __m256 r = p.truncate ? _mm256_round_ps(q, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC)
                              : _mm256_round_ps(q, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  const __m256 over = _mm256_cmp_ps(r, _mm256_set1_ps(p.max_finite), _CMP_GT_OQ);
  const __m256 sat = p.inf_policy ? _mm256_set1_ps(std::numeric_limits<float>::infinity())
                                  : _mm256_mul_ps(_mm256_set1_ps(p.max_finite), step);
  return _mm256_blendv_ps(_mm256_mul_ps(r, step), sat, over);
}

inline __m256i exp_v(const Plan& p, __m256 t) {
  const __m256 small = _mm256_cmp_ps(t, _mm256_set1_ps(31.0f), _CMP_LT_OQ);
  const __m256 tc = _mm256_blendv_ps(_mm256_set1_ps(31.0f), t, small);
  __m256 kf = _mm256_round_ps(tc, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
  const __m256 fr = _mm256_sub_ps(tc, kf);
  const __m256 idxf =
      _mm256_round_ps(_mm256_mul_ps(fr, _mm256_set1_ps(p.index_scale)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256i idx = _mm256_cvttps_epi32(idxf);
  const __m256i carry = _mm256_cmpeq_epi32(idx, _mm256_set1_epi32(static_cast<int>(p.index_scale)));
  idx = _mm256_andnot_si256(carry, idx);
  kf = _mm256_add_ps(kf, _mm256_and_ps(_mm256_castsi256_ps(carry), _mm256_set1_ps(1.0f)));
  const __m256i k = _mm256_cvttps_epi32(kf);
  __m256i entry;
  if (p.levels == 1) {
    entry = _mm256_i32gather_epi32(reinterpret_cast<const int*>(p.hi), idx, 4);
  } else {
    const __m256i h = _mm256_srlv_epi32(idx, _mm256_set1_epi32(p.lo_bits));
    const __m256i l = _mm256_and_si256(idx, _mm256_set1_epi32((1 << p.lo_bits) - 1));
    const __m256i prod = _mm256_mullo_epi32(_mm256_i32gather_epi32(reinterpret_cast<const int*>(p.hi), h, 4),
                                            _mm256_i32gather_epi32(reinterpret_cast<const int*>(p.lo), l, 4));
    entry = _mm256_srlv_epi32(_mm256_add_epi32(prod, _mm256_set1_epi32(1 << (p.entry_bits - 1))),
                              _mm256_set1_epi32(p.entry_bits));
  }
  const __m256i e = _mm256_srlv_epi32(_mm256_sllv_epi32(entry, _mm256_set1_epi32(p.shift)), k);
  return _mm256_and_si256(e, _mm256_castps_si256(small));
}

}  // namespace

bool row_avx2(const Plan& p, const float* x, float* out, int64_t n, float* y, uint32_t* e) {
  constexpr float kInf = std::numeric_limits<float>::infinity();
  const __m256 ninf = _mm256_set1_ps(-kInf);
  __m256 vm = ninf, bad = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 v = _mm256_loadu_ps(x + i);
    bad = _mm256_or_ps(bad, _mm256_or_ps(_mm256_cmp_ps(v, v, _CMP_UNORD_Q), _mm256_cmp_ps(v, _mm256_set1_ps(kInf), _CMP_EQ_OQ)));
    vm = _mm256_max_ps(vm, v);
  }
  float lanes[8];
  _mm256_storeu_ps(lanes, vm);
  float m = -kInf;
  bool any_bad = _mm256_movemask_ps(bad) != 0;
  for (float l : lanes) m = std::max(m, l);
  for (; i < n; ++i) {
    any_bad |= std::isnan(x[i]) || x[i] == kInf;
    m = std::max(m, x[i]);
  }
  if (any_bad) {
    std::fill(out, out + n, std::numeric_limits<float>::quiet_NaN());
    return true;
  }
  if (m == -kInf) {
    std::fill(out, out + n, 0.0f);
    return true;
  }
  for (int64_t j = 0; j < n; ++j) y[j] = x[j] == -kInf ? 0.0f : (x[j] - m) * kLog2e;  // vectorised by gcc
  uint64_t sum = 0;
  __m256i acc = _mm256_setzero_si256();
  float step = 1.0f, inv = 1.0f;
  for (int64_t b0 = 0; b0 < n; b0 += p.block) {
    const int64_t len = std::min<int64_t>(p.block, n - b0);
    if (p.quant) {
      const int E = block_exponent(p, y + b0, static_cast<int>(len));
      const int s = E - p.m + 1;
      if (s < -126 || s > 126) return false;
      step = pow2(s);
      inv = pow2(-s);
    }
    const __m256 vstep = _mm256_set1_ps(step), vinv = _mm256_set1_ps(inv);
    int64_t j = 0;
    for (; j + 8 <= len; j += 8) {
      const __m256 keep = _mm256_cmp_ps(_mm256_loadu_ps(x + b0 + j), ninf, _CMP_NEQ_OQ);
      const __m256i ev = _mm256_and_si256(exp_v(p, quant_v(p, _mm256_loadu_ps(y + b0 + j), vstep, vinv)),
                                          _mm256_castps_si256(keep));
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(e + b0 + j), ev);
      acc = _mm256_add_epi64(acc, _mm256_cvtepu32_epi64(_mm256_castsi256_si128(ev)));
      acc = _mm256_add_epi64(acc, _mm256_cvtepu32_epi64(_mm256_extracti128_si256(ev, 1)));
    }
    for (; j < len; ++j) {
      const int64_t q = b0 + j;
      e[q] = x[q] == -kInf ? 0 : exp_of_t(p, quant_t(p, y[q], step, inv));
      sum += e[q];
    }
  }
  uint64_t parts[4];
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(parts), acc);
  sum += parts[0] + parts[1] + parts[2] + parts[3];
  if (sum == 0) {
    std::fill(out, out + n, std::numeric_limits<float>::quiet_NaN());
    return true;
  }
  const float r = 1.0f / static_cast<float>(sum);
  const __m256 vr = _mm256_set1_ps(r);
  int64_t j = 0;
  for (; j + 8 <= n; j += 8)
    _mm256_storeu_ps(out + j, _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(e + j))), vr));
  for (; j < n; ++j) out[j] = static_cast<float>(e[j]) * r;
  return true;
}

}  // namespace labkit::blockfp::detail
