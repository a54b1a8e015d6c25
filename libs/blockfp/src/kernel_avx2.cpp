// AVX2 softmax row kernel (compiled with -mavx2 -ffp-contract=off; called only when the CPU has AVX2).
// Three passes over the row instead of four: (1) max and the NaN/+inf check; (2) block by block, the shifted
// logits y, the block's shared exponent, quantisation, the LUT exp and the Q30 sum, with y kept in an
// L1-sized block buffer and float(e) written straight into the output; (3) the scale by 1/sum in place.
// Every operation is the scalar model's (kernel_common.h), so the result is bit-identical:
//  - quantisation r = nearbyint(|y|·2^-s) (or floor) is done by the float->int conversion (RNE, or
//    truncation, which is floor for |y| >= 0), clamped at 2^30 so an overflowing magnitude stays "over";
//  - the exp of t = r·2^s: when d = s + index_bits >= 0 (every block whose shared exponent is at least
//    m - 1 - index_bits) t·2^index_bits = r << d is an integer, so the scalar floor/nearbyint/carry steps
//    reduce to k = (r << d) >> index_bits, idx = (r << d) & (2^index_bits - 1) (no rounding, no carry).
//    Other blocks (and fp32) take the float path, the same steps the scalar model performs.
// Block tails (a row length not a multiple of 8) go through the scalar element pipeline.
#include <immintrin.h>

#include <algorithm>
#include <limits>
#include <type_traits>

#include "kernel_common.h"

namespace labkit::blockfp::detail {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

inline __m256 abs_ps(__m256 v) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), v); }

// The Q30 exp value for table index idx and integer part k (srlv gives 0 for k >= 32; k = 31 gives 0 too
// since entry << shift <= 2^30). `hi` holds the level-1 table pre-shifted by p.shift.
inline __m256i lut_v(const Plan& p, const uint32_t* hi_shifted, __m256i idx, __m256i k) {
  __m256i entry;
  if (p.levels == 1) {
    entry = _mm256_i32gather_epi32(reinterpret_cast<const int*>(hi_shifted), idx, 4);
  } else {
    const __m256i h = _mm256_srli_epi32(idx, p.lo_bits);
    const __m256i l = _mm256_and_si256(idx, _mm256_set1_epi32((1 << p.lo_bits) - 1));
    const __m256i prod = _mm256_mullo_epi32(_mm256_i32gather_epi32(reinterpret_cast<const int*>(p.hi), h, 4),
                                            _mm256_i32gather_epi32(reinterpret_cast<const int*>(p.lo), l, 4));
    entry = _mm256_srli_epi32(_mm256_add_epi32(prod, _mm256_set1_epi32(1 << (p.entry_bits - 1))), p.entry_bits);
    entry = _mm256_slli_epi32(entry, p.shift);
  }
  return _mm256_srlv_epi32(entry, k);
}

// Float path: t -> exp, exactly ExpLut::exp2_neg (for fp32 and for blocks with d < 0).
inline __m256i exp_float_v(const Plan& p, const uint32_t* hi_shifted, __m256 t) {
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
  const __m256i e = lut_v(p, hi_shifted, idx, _mm256_cvttps_epi32(kf));
  return _mm256_and_si256(e, _mm256_castps_si256(small));
}

// Float quantisation (decode(encode(y)) negated: t = r·step, or inf / max_finite·step on overflow).
inline __m256 quant_float_v(const Plan& p, __m256 y, __m256 step, __m256 inv, __m256 u) {
  if (!p.quant) return _mm256_sub_ps(_mm256_setzero_ps(), y);
  __m256 q = _mm256_mul_ps(abs_ps(y), inv);
  if (p.stochastic) q = _mm256_add_ps(q, u);
  const __m256 r = p.truncate || p.stochastic ? _mm256_round_ps(q, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC)
                              : _mm256_round_ps(q, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  const __m256 over = _mm256_cmp_ps(r, _mm256_set1_ps(p.max_finite), _CMP_GT_OQ);
  const __m256 sat = p.inf_policy ? _mm256_set1_ps(kInf) : _mm256_mul_ps(_mm256_set1_ps(p.max_finite), step);
  return _mm256_blendv_ps(_mm256_mul_ps(r, step), sat, over);
}

// A 16-entry uint32 table held in two registers: T[i] for i in 0..15 by two vpermd and a blend on bit 3.
struct Table16 {
  __m256i lo8, hi8;
  Table16(const uint32_t* t, int size) {
    alignas(32) uint32_t v[16] = {};
    for (int i = 0; i < size; ++i) v[i] = t[i];
    lo8 = _mm256_load_si256(reinterpret_cast<const __m256i*>(v));
    hi8 = _mm256_load_si256(reinterpret_cast<const __m256i*>(v + 8));
  }
  __m256i operator()(__m256i i) const {
    const __m256 pick_hi = _mm256_castsi256_ps(_mm256_slli_epi32(i, 28));  // bit 3 -> sign bit
    return _mm256_castps_si256(_mm256_blendv_ps(_mm256_castsi256_ps(_mm256_permutevar8x32_epi32(lo8, i)),
                                                _mm256_castsi256_ps(_mm256_permutevar8x32_epi32(hi8, i)), pick_hi));
  }
};

// The block's constants for the integer path. r << d is t in units of 2^-index_bits, so the LUT index
// (r << d) mod 2^index_bits only depends on the low c = index_bits - d bits of r, and k = r >> c. With
// c <= 4 the block touches at most 16 table entries: they are loaded once per block into two registers
// (entry j = T[j << d]) and looked up with vpermd instead of a gather (level-1 tables).
struct IntBlock {
  __m256 inv;
  __m128i d;
  int c;              // index_bits - d
  __m128i c_count;    // |c| as a shift count
  __m256i low_mask;   // 2^max(c,0) - 1
  const uint32_t* entries;  // 16 entries T[(j mod 2^max(c,0)) << d] (Plan::block_tables; when c <= 4)
};

// Integer path, one vector: y -> Q30 exp. kTable: 0 = gather from the pre-shifted level-1 table,
// 2 = two 16-entry in-register tables (levels 2 with at most 4 bits per half).
template <int kTable, bool kInfPolicy, int kRound>
struct IntPath {
  const uint32_t* hi_shifted;
  Table16 hi16, lo16;
  __m256i maxf, idx_mask, round_half;
  int index_bits, lo_bits, entry_bits, shift;

  explicit IntPath(const Plan& p)
      : hi_shifted(p.hi_shifted.data()),
        hi16(p.hi, p.levels == 2 ? 1 << (p.index_bits - p.lo_bits) : 0),
        lo16(p.lo ? p.lo : p.hi, p.levels == 2 ? 1 << p.lo_bits : 0),
        maxf(_mm256_set1_epi32(static_cast<int>(p.max_finite))),
        idx_mask(_mm256_set1_epi32((1 << p.index_bits) - 1)),
        round_half(_mm256_set1_epi32(p.levels == 2 ? 1 << (p.entry_bits - 1) : 0)),
        index_bits(p.index_bits),
        lo_bits(p.lo_bits),
        entry_bits(p.entry_bits),
        shift(p.shift) {}

  // kMode (chosen per block, so the per-vector code has no branches): 0 gather or level-2 tables,
  // 1 register table with 0 <= c <= 3, 2 with c = 4, 3 with c < 0 (the index is 0, k = r << -c).
  // kRound: 0 nearest-even, 1 truncate, 2 stochastic (floor(q + u)); conversions clamp at 2^30 (inf too).
  template <int kMode>
  __m256i run(__m256 y, const IntBlock& b, __m256 offset) const {
    __m256 q = _mm256_mul_ps(abs_ps(y), b.inv);
    if (kRound == 2) q = _mm256_add_ps(q, offset);
    q = _mm256_min_ps(q, _mm256_set1_ps(1073741824.0f));
    __m256i r = kRound != 0 ? _mm256_cvttps_epi32(q) : _mm256_cvtps_epi32(q);
    __m256i over;
    if (kInfPolicy) over = _mm256_cmpgt_epi32(r, maxf);
    r = _mm256_min_epi32(r, maxf);  // saturation; the inf policy zeroes `over` lanes below
    __m256i entry, k;
    if (kMode != 0) {  // block-local register table
      const __m256i j = _mm256_and_si256(r, b.low_mask);
      k = kMode != 3 ? _mm256_srl_epi32(r, b.c_count) : _mm256_sll_epi32(r, b.c_count);
      const __m256i lo8 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b.entries));
      if (kMode != 2) {
        entry = _mm256_permutevar8x32_epi32(lo8, j);
      } else {
        const __m256i hi8 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b.entries + 8));
        entry = _mm256_castps_si256(_mm256_blendv_ps(_mm256_castsi256_ps(_mm256_permutevar8x32_epi32(lo8, j)),
                                                     _mm256_castsi256_ps(_mm256_permutevar8x32_epi32(hi8, j)),
                                                     _mm256_castsi256_ps(_mm256_slli_epi32(j, 28))));
      }
      const __m256i e = _mm256_srlv_epi32(entry, k);
      return kInfPolicy ? _mm256_andnot_si256(over, e) : e;
    }
    const __m256i u = _mm256_sll_epi32(r, b.d);
    const __m256i idx = _mm256_and_si256(u, idx_mask);
    k = _mm256_srli_epi32(u, index_bits);
    if (kTable == 0) {
      entry = _mm256_i32gather_epi32(reinterpret_cast<const int*>(hi_shifted), idx, 4);
    } else {
      const __m256i prod = _mm256_mullo_epi32(hi16(_mm256_srli_epi32(idx, lo_bits)),
                                              lo16(_mm256_and_si256(idx, _mm256_set1_epi32((1 << lo_bits) - 1))));
      entry = _mm256_slli_epi32(_mm256_srli_epi32(_mm256_add_epi32(prod, round_half), entry_bits), shift);
    }
    const __m256i e = _mm256_srlv_epi32(entry, k);
    return kInfPolicy ? _mm256_andnot_si256(over, e) : e;
  }
};

// a·b mod 2^64 per 64-bit lane, b a constant.
inline __m256i mul64(__m256i a, uint64_t b) {
  const __m256i blo = _mm256_set1_epi64x(static_cast<int64_t>(b & 0xFFFFFFFFu));
  const __m256i bhi = _mm256_set1_epi64x(static_cast<int64_t>(b >> 32));
  const __m256i cross = _mm256_add_epi64(_mm256_mul_epu32(_mm256_srli_epi64(a, 32), blo), _mm256_mul_epu32(a, bhi));
  return _mm256_add_epi64(_mm256_mul_epu32(a, blo), _mm256_slli_epi64(cross, 32));
}

// stochastic_u(stream, first + i) for i = 0..7: splitmix64 on 4 lanes at a time, the same integer steps.
inline __m256 stochastic_u8(uint64_t stream, uint64_t first) {
  const uint64_t base = stream * 0x9E3779B97F4A7C15ULL + first + 0x632BE59BD9B4E019ULL;
  __m256i z[2] = {_mm256_add_epi64(_mm256_set1_epi64x(static_cast<int64_t>(base)), _mm256_setr_epi64x(0, 1, 2, 3)),
                  _mm256_add_epi64(_mm256_set1_epi64x(static_cast<int64_t>(base)), _mm256_setr_epi64x(4, 5, 6, 7))};
  for (auto& v : z) {
    v = mul64(_mm256_xor_si256(v, _mm256_srli_epi64(v, 30)), 0xBF58476D1CE4E5B9ULL);
    v = mul64(_mm256_xor_si256(v, _mm256_srli_epi64(v, 27)), 0x94D049BB133111EBULL);
    v = _mm256_srli_epi64(_mm256_xor_si256(v, _mm256_srli_epi64(v, 31)), 40);  // 24 bits
  }
  // The low dwords of the 8 lanes, in order.
  const __m256i pick = _mm256_setr_epi32(0, 2, 4, 6, 0, 2, 4, 6);
  const __m128i lo = _mm256_castsi256_si128(_mm256_permutevar8x32_epi32(z[0], pick));
  const __m128i hi = _mm256_castsi256_si128(_mm256_permutevar8x32_epi32(z[1], pick));
  const __m256i all = _mm256_inserti128_si256(_mm256_castsi128_si256(lo), hi, 1);
  return _mm256_mul_ps(_mm256_cvtepi32_ps(all), _mm256_set1_ps(1.0f / 16777216.0f));
}

inline __m256i add_u32_to_u64(__m256i acc, __m256i v) {
  acc = _mm256_add_epi64(acc, _mm256_cvtepu32_epi64(_mm256_castsi256_si128(v)));
  return _mm256_add_epi64(acc, _mm256_cvtepu32_epi64(_mm256_extracti128_si256(v, 1)));
}

inline float hmax(__m256 v) {
  __m128 a = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  a = _mm_max_ps(a, _mm_movehl_ps(a, a));
  a = _mm_max_ss(a, _mm_shuffle_ps(a, a, 1));
  return _mm_cvtss_f32(a);
}

// The lane maxima of 8 vectors: out[i] = max over the lanes of a[i].
inline __m256 hmax8(const __m256* a) {
  __m256 x[4];
  for (int i = 0; i < 4; ++i)
    x[i] = _mm256_max_ps(_mm256_unpacklo_ps(a[2 * i], a[2 * i + 1]), _mm256_unpackhi_ps(a[2 * i], a[2 * i + 1]));
  const __m256 y0 = _mm256_max_ps(_mm256_shuffle_ps(x[0], x[1], 0x44), _mm256_shuffle_ps(x[0], x[1], 0xEE));
  const __m256 y1 = _mm256_max_ps(_mm256_shuffle_ps(x[2], x[3], 0x44), _mm256_shuffle_ps(x[2], x[3], 0xEE));
  return _mm256_max_ps(_mm256_permute2f128_ps(y0, y1, 0x20), _mm256_permute2f128_ps(y0, y1, 0x31));
}

// max_pivot_exponent for 8 block maxima at once (amax = 0: emin). A subnormal maximum reads as exponent
// -127 here, below float_exponent's value, but both clamp to emin >= -127. Where 2^(m-1-E) is not a normal
// float the scale below is wrong, but then s = E - m + 1 is outside [-126, 126] and the row goes to the
// scalar model anyway.
inline void max_pivot_exponents8(const Plan& p, __m256 amax, int* E) {
  const __m256i bits = _mm256_castps_si256(amax);
  __m256i e = _mm256_sub_epi32(_mm256_srli_epi32(bits, 23), _mm256_set1_epi32(127));
  e = _mm256_min_epi32(_mm256_max_epi32(e, _mm256_set1_epi32(p.emin)), _mm256_set1_epi32(p.emax));
  if (p.inf_policy) {
    const __m256i k = _mm256_sub_epi32(_mm256_set1_epi32(p.m - 1), e);
    const __m256 scale = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(k, _mm256_set1_epi32(127)), 23));
    const __m256i up = _mm256_and_si256(
        _mm256_cmpgt_epi32(_mm256_set1_epi32(p.emax), e),
        _mm256_castps_si256(_mm256_cmp_ps(_mm256_mul_ps(amax, scale), _mm256_set1_ps(p.max_finite), _CMP_GT_OQ)));
    e = _mm256_sub_epi32(e, up);  // up lanes are -1
  }
  e = _mm256_blendv_epi8(e, _mm256_set1_epi32(p.emin), _mm256_cmpeq_epi32(bits, _mm256_setzero_si256()));
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(E), e);
}

template <int kTable, bool kInfPolicy, int kRound>
bool row_impl(const Plan& p, const float* x, float* out, int64_t n, float* y, uint64_t stream) {
  float* const ubuf = y + 8 * p.block;  // stochastic-rounding offsets of the current block
  const IntPath<kTable, kInfPolicy, kRound> int_path(p);
  const uint32_t* hi_shifted = p.hi_shifted.data();
  // Pass 1: max; NaN or +inf anywhere (NLT_UQ: not less than +inf, or unordered).
  const __m256 ninf = _mm256_set1_ps(-kInf), pinf = _mm256_set1_ps(kInf);
  __m256 vm = ninf, bad = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 v = _mm256_loadu_ps(x + i);
    bad = _mm256_or_ps(bad, _mm256_cmp_ps(v, pinf, _CMP_NLT_UQ));
    vm = _mm256_max_ps(vm, v);
  }
  float m = hmax(vm);
  bool any_bad = _mm256_movemask_ps(bad) != 0;
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
  // Pass 2, block by block: y into the block buffer, shared exponent, quantise, exp, sum. The scalar model
  // sets a masked y to 0 and zeroes its exp. With the inf overflow policy y stays -inf instead: like 0 it
  // takes no part in the shared exponent (infinite entries are skipped), and it quantises to inf, whose
  // exp is 0, so no mask is needed. Under saturation (-inf would saturate) and fp32 the mask is applied.
  const __m256 vmax = _mm256_set1_ps(m), l2e = _mm256_set1_ps(kLog2e);
  const bool quant = p.quant, pivot_max = p.pivot_max;
  const int block = p.block, mbits = p.m, index_bits = p.index_bits, emin = p.emin;
  const bool int_ok = kTable == 2 || p.levels == 1;  // the integer path knows these two table layouts
  uint64_t sum = 0;
  __m256i acc = _mm256_setzero_si256(), acc_hi = _mm256_setzero_si256();
  const __m256i low32 = _mm256_set1_epi64x(0xFFFFFFFFLL);
  // The logits of one block into yb and their largest finite magnitude (an infinite y, x - max overflowing,
  // is not part of it) as a vector.
  auto logits = [&](const float* xb, float* yb, int full) {
    __m256 amax = _mm256_setzero_ps();
    for (int j = 0; j < full; j += 8) {
      const __m256 v = _mm256_loadu_ps(xb + j);
      __m256 yv = _mm256_mul_ps(_mm256_sub_ps(v, vmax), l2e);  // masked: -inf
      if (!kInfPolicy) yv = _mm256_and_ps(yv, _mm256_cmp_ps(v, ninf, _CMP_NEQ_OQ));
      _mm256_storeu_ps(yb + j, yv);
      const __m256 a = abs_ps(yv);
      amax = _mm256_max_ps(amax, _mm256_and_ps(a, _mm256_cmp_ps(a, pinf, _CMP_LT_OQ)));
    }
    return amax;
  };
  // Max pivot, whole vectors: groups of 8 blocks get their logits first and their 8 shared exponents
  // in one vector computation (no per-block horizontal max and scalar exponent chain).
  const bool grouping = quant && pivot_max && block % 8 == 0;
  int group_E[8];
  int64_t group_start = 0, group_end = 0;  // blocks in [start, end): logits in y, exponents in group_E
  for (int64_t b0 = 0; b0 < n; b0 += block) {
    const int len = static_cast<int>(std::min<int64_t>(block, n - b0));
    const float* xb = x + b0;
    float* ob = out + b0;
    const int full = len & ~7;
    if (grouping && b0 >= group_end && b0 + block <= n) {  // up to 8 whole blocks
      const int nb = static_cast<int>(std::min<int64_t>(8, (n - b0) / block));
      __m256 amax8[8];
      for (int i = 0; i < 8; ++i) amax8[i] = i < nb ? logits(xb + i * block, y + i * block, block) : _mm256_setzero_ps();
      max_pivot_exponents8(p, hmax8(amax8), group_E);
      group_start = b0;
      group_end = b0 + nb * block;
    }
    const bool grouped = b0 < group_end;
    const int gi = grouped ? static_cast<int>((b0 - group_start) / block) : 0;
    float* yb = grouped ? y + gi * block : y;
    float amax_s = 0;
    if (!grouped) {
      amax_s = hmax(logits(xb, yb, full));
      for (int j = full; j < len; ++j) {
        yb[j] = xb[j] == -kInf ? 0.0f : (xb[j] - m) * kLog2e;
        if (std::isfinite(yb[j])) amax_s = std::max(amax_s, std::fabs(yb[j]));
      }
    }
    if (kRound == 2) {  // the scalar model's offsets: element index within the row, the row's stream
      int j = 0;
      for (; j + 8 <= len; j += 8) _mm256_storeu_ps(ubuf + j, stochastic_u8(stream, static_cast<uint64_t>(b0 + j)));
      for (; j < len; ++j) ubuf[j] = stochastic_u(stream, static_cast<uint64_t>(b0 + j));
    }
    float step = 1.0f, inv = 1.0f;
    int d = -1;  // the integer path's shift; -1: float path
    if (quant) {
      const int E = grouped     ? group_E[gi]
                    : pivot_max ? (amax_s == 0 ? emin : max_pivot_exponent(p, amax_s))
                                : block_exponent(p, yb, len);
      const int s = E - mbits + 1;
      if (s < -126 || s > 126) return false;
      step = pow2(s);
      inv = pow2(-s);
      if (int_ok && s + index_bits >= 0 && s + index_bits <= 31 - mbits) d = s + index_bits;
    }
    if (d >= 0) {
      const int c = index_bits - d, cp = std::max(c, 0);
      const IntBlock ib{_mm256_set1_ps(inv), _mm_cvtsi32_si128(d), c, _mm_cvtsi32_si128(std::abs(c)),
                        _mm256_set1_epi32((1 << cp) - 1),
                        c <= 4 && kTable == 0 ? p.block_tables.data() + 16 * (d - p.block_tables_d0) : nullptr};
      auto block_loop = [&](auto mode) {
        auto exp_at = [&](int j) {
          const __m256 u = kRound == 2 ? _mm256_loadu_ps(ubuf + j) : _mm256_setzero_ps();
          __m256i ev = int_path.template run<decltype(mode)::value>(_mm256_loadu_ps(yb + j), ib, u);
          if (!kInfPolicy)
            ev = _mm256_and_si256(ev, _mm256_castps_si256(_mm256_cmp_ps(_mm256_loadu_ps(xb + j), ninf, _CMP_NEQ_OQ)));
          _mm256_storeu_ps(ob + j, _mm256_cvtepi32_ps(ev));
          return ev;
        };
        int j = 0;
        for (; j + 16 <= full; j += 16) {  // e <= 2^30, so a pair sums without overflow in 32 bits
          const __m256i pair = _mm256_add_epi32(exp_at(j), exp_at(j + 8));
          acc = _mm256_add_epi64(acc, _mm256_and_si256(pair, low32));
          acc_hi = _mm256_add_epi64(acc_hi, _mm256_srli_epi64(pair, 32));
        }
        if (j < full) acc = add_u32_to_u64(acc, exp_at(j));
      };
      if (kTable != 0 || c > 4)
        block_loop(std::integral_constant<int, 0>{});
      else if (c < 0)
        block_loop(std::integral_constant<int, 3>{});
      else if (c == 4)
        block_loop(std::integral_constant<int, 2>{});
      else
        block_loop(std::integral_constant<int, 1>{});
    } else {
      const __m256 vstep = _mm256_set1_ps(step), vinv = _mm256_set1_ps(inv);
      for (int j = 0; j < full; j += 8) {
        const __m256 u = kRound == 2 ? _mm256_loadu_ps(ubuf + j) : _mm256_setzero_ps();
        __m256i ev = exp_float_v(p, hi_shifted, quant_float_v(p, _mm256_loadu_ps(yb + j), vstep, vinv, u));
        if (!kInfPolicy || !quant)
          ev = _mm256_and_si256(ev, _mm256_castps_si256(_mm256_cmp_ps(_mm256_loadu_ps(xb + j), ninf, _CMP_NEQ_OQ)));
        _mm256_storeu_ps(ob + j, _mm256_cvtepi32_ps(ev));
        acc = add_u32_to_u64(acc, ev);
      }
    }
    for (int j = full; j < len; ++j) {
      const uint32_t ej = xb[j] == -kInf ? 0 : exp_of_t(p, quant_t(p, yb[j], step, inv, ubuf[j]));
      ob[j] = static_cast<float>(ej);
      sum += ej;
    }
  }
  uint64_t parts[4];
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(parts), _mm256_add_epi64(acc, acc_hi));
  sum += parts[0] + parts[1] + parts[2] + parts[3];
  if (sum == 0) {
    std::fill(out, out + n, std::numeric_limits<float>::quiet_NaN());
    return true;
  }
  // Pass 3: p_i = float(e_i) · (1 / float(sum)), in place.
  const float r = 1.0f / static_cast<float>(sum);
  const __m256 vr = _mm256_set1_ps(r);
  int64_t j = 0;
  for (; j + 8 <= n; j += 8) _mm256_storeu_ps(out + j, _mm256_mul_ps(_mm256_loadu_ps(out + j), vr));
  for (; j < n; ++j) out[j] = out[j] * r;
  return true;
}

template <int kTable, bool kInfPolicy>
bool row_policy(const Plan& p, const float* x, float* out, int64_t n, float* y, uint64_t stream) {
  if (p.stochastic) return row_impl<kTable, kInfPolicy, 2>(p, x, out, n, y, stream);
  if (p.truncate) return row_impl<kTable, kInfPolicy, 1>(p, x, out, n, y, stream);
  return row_impl<kTable, kInfPolicy, 0>(p, x, out, n, y, stream);
}

template <int kTable>
bool row_table(const Plan& p, const float* x, float* out, int64_t n, float* y, uint64_t stream) {
  return p.inf_policy ? row_policy<kTable, true>(p, x, out, n, y, stream)
                      : row_policy<kTable, false>(p, x, out, n, y, stream);
}

}  // namespace

bool row_avx2(const Plan& p, const float* x, float* out, int64_t n, float* y, uint64_t stream) {
  // Two 16-entry level-2 tables fit in registers (no gather). Larger level-2 tables run every block
  // through the float path (it gathers from both tables).
  if (p.levels == 2 && p.index_bits - p.lo_bits <= 4 && p.lo_bits <= 4) return row_table<2>(p, x, out, n, y, stream);
  return row_table<0>(p, x, out, n, y, stream);
}

}  // namespace labkit::blockfp::detail
