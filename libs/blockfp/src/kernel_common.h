// Shared by the kernel translation units: the plan (spec unpacked) and the scalar element pipeline the
// vector code must match bit for bit (the same operations as quantize.cpp + lut.cpp + softmax.cpp).
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "labkit/blockfp/softmax.h"

namespace labkit::blockfp::detail {

struct Plan {
  const SoftmaxSpec* spec;
  const ExpLut* lut;
  bool quant;        // BFP/DBFP (false: fp32)
  bool pivot_max;
  bool truncate;
  bool stochastic;   // floor(q + u), u = stochastic_u(row, element index)
  bool inf_policy;
  int m;             // mantissa bits
  float max_finite;  // largest finite mantissa code
  int emin, emax;
  int block;
  int index_bits;
  float index_scale;  // 2^index_bits
  int levels, lo_bits, entry_bits, shift;  // shift = 30 - entry_bits
  const uint32_t* hi;
  const uint32_t* lo;
  std::vector<uint32_t> hi_shifted;  // level-1 table entries << shift (the AVX2 kernel's gather table)
  // Level-1 only: for each block shift d in [d0, 31 - m], 16 entries hi_shifted[(j mod 2^c) << d] with
  // c = max(index_bits - d, 0): the table entries one block can touch when c <= 4 (AVX2 register tables).
  std::vector<uint32_t> block_tables;
  int block_tables_d0 = 0;
};

Plan make_plan(const SoftmaxSpec& s, const ExpLut& lut);

// 2^s for s in [-126, 127] from the bits (no libm call in the per-block path).
inline float pow2(int s) {
  const uint32_t bits = static_cast<uint32_t>(s + 127) << 23;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

// shared_exponent() for the max pivot (a block's largest magnitude amax > 0), without allocation.
inline int max_pivot_exponent(const Plan& p, float amax) {
  int E = std::min(std::max(float_exponent(amax), p.emin), p.emax);
  if (p.inf_policy && E < p.emax) {
    const int k = p.m - 1 - E;
    const float q = (k >= -126 && k <= 127) ? amax * pow2(k) : std::ldexp(amax, k);
    if (q > p.max_finite) ++E;
  }
  return E;
}

// Shared exponent of the block y[0..len) (all <= 0, masked entries 0) under the plan's pivot rule. As in
// the scalar model, infinite entries (x - max overflowing to -inf) take no part in the choice.
int block_exponent(const Plan& p, const float* y, int len);

inline uint32_t exp_of_t(const Plan& p, float t) {
  if (!(t < 31.0f)) return 0;
  float kf = std::floor(t);
  const float fr = t - kf;
  uint32_t idx = static_cast<uint32_t>(std::nearbyint(fr * p.index_scale));
  if (idx == static_cast<uint32_t>(p.index_scale)) {
    idx = 0;
    kf += 1.0f;
  }
  const uint32_t k = static_cast<uint32_t>(kf);
  if (k >= 31) return 0;
  uint32_t entry;
  if (p.levels == 1) {
    entry = p.hi[idx];
  } else {
    const uint64_t prod = uint64_t{p.hi[idx >> p.lo_bits]} * p.lo[idx & ((1u << p.lo_bits) - 1)];
    entry = static_cast<uint32_t>((prod + (uint64_t{1} << (p.entry_bits - 1))) >> p.entry_bits);
  }
  return (entry << p.shift) >> k;
}

// t = -yq for one element of a block with step 2^s (inv = 2^-s); u: its stochastic-rounding offset.
inline float quant_t(const Plan& p, float y, float step, float inv, float u = 0.0f) {
  if (!p.quant) return -y;
  const float q = std::fabs(y) * inv;
  const float r = p.stochastic ? std::floor(q + u) : p.truncate ? std::floor(q) : std::nearbyint(q);
  if (r > p.max_finite) return p.inf_policy ? std::numeric_limits<float>::infinity() : p.max_finite * step;
  return r * step;
}

// Per-ISA row functions. Return false if the row needs the scalar model.
// AVX-512: y, e scratch of n entries each.
bool row_avx512(const Plan& p, const float* x, float* out, int64_t n, float* y, uint32_t* e);
// AVX2: y scratch of 9·p.block entries (the shifted logits of a group of 8 blocks, one block's
// stochastic-rounding offsets); stream: the row's stochastic-rounding stream.
bool row_avx2(const Plan& p, const float* x, float* out, int64_t n, float* y, uint64_t stream);

}  // namespace labkit::blockfp::detail
