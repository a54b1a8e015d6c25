// Encode/decode of BFP, DBFP and MX blocks (the bit-accurate scalar model).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "labkit/blockfp/format.h"

namespace labkit::blockfp {

int float_exponent(float v) {
  uint32_t bits;
  std::memcpy(&bits, &v, 4);
  int e = static_cast<int>((bits >> 23) & 0xFF);
  uint32_t man = bits & 0x7FFFFF;
  if (e == 0) return -127 + (31 - __builtin_clz(man)) - 22;  // subnormal: man != 0 for v != 0
  return e - 127;
}

float stochastic_u(uint64_t stream, uint64_t index) {
  uint64_t z = stream * 0x9E3779B97F4A7C15ULL + index + 0x632BE59BD9B4E019ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  z ^= z >> 31;
  return static_cast<float>(z >> 40) * (1.0f / 16777216.0f);
}

int pivot_exponent(const Format& f, std::vector<int> e) {
  const int n = static_cast<int>(e.size());
  switch (f.kind == Kind::kDbfp ? f.pivot : Pivot::kMax) {
    case Pivot::kMax:
      return *std::max_element(e.begin(), e.end());
    case Pivot::kMedian:
    case Pivot::kPercentile: {
      const double p = f.pivot == Pivot::kMedian ? 0.5 : f.percentile;
      int rank = static_cast<int>(std::ceil(p * n)) - 1;  // nearest rank, ascending
      rank = std::clamp(rank, 0, n - 1);
      std::nth_element(e.begin(), e.begin() + rank, e.end());
      return e[rank];
    }
    case Pivot::kOutlierAware: {
      std::sort(e.begin(), e.end(), std::greater<int>());
      const int j = std::min(f.outlier_count, n - 1);
      return e[0] - e[j] >= f.outlier_gap ? e[j] : e[0];
    }
  }
  return 0;
}

int shared_exponent(const Format& f, std::vector<int> exps, float amax) {
  const int top = *std::max_element(exps.begin(), exps.end());
  const int p = pivot_exponent(f, std::move(exps));
  int E = std::clamp(p, f.min_exponent(), f.max_exponent());
  if (f.overflow == Overflow::kInfinity && p == top && E < f.max_exponent()) {
    const float max_finite = static_cast<float>((1u << f.mantissa_bits) - 2);
    if (std::ldexp(amax, -(E - f.mantissa_bits + 1)) > max_finite) ++E;
  }
  return E;
}

namespace {

float round_mag(float q, Rounding r, float u) {
  switch (r) {
    case Rounding::kNearestEven: return std::nearbyint(q);
    case Rounding::kTruncate: return std::floor(q);
    case Rounding::kStochastic: return std::floor(q + u);
  }
  return q;
}

// ---- BFP / DBFP ----
EncodedBlock encode_bfp(const Format& f, const float* x, int n, uint64_t stream, uint64_t first) {
  EncodedBlock b;
  b.codes.assign(n, 0);
  const int m = f.mantissa_bits;
  const uint32_t inf_code = (1u << m) - 1;
  const uint32_t max_finite = f.overflow == Overflow::kInfinity ? inf_code - 1 : inf_code;
  std::vector<int> ex(n, std::numeric_limits<int>::min());  // exponent per element; min = zero or inf
  std::vector<int> all;
  for (int i = 0; i < n; ++i) {
    if (std::isnan(x[i])) {
      b.nan = true;
      b.exponents = {f.min_exponent()};
      return b;
    }
    if (std::isfinite(x[i]) && x[i] != 0) all.push_back(ex[i] = float_exponent(x[i]));
  }
  auto amax_of = [&](int group) {
    float a = 0;
    for (int i = 0; i < n; ++i)
      if (std::isfinite(x[i]) && (b.group.empty() || b.group[i] == group)) a = std::max(a, std::fabs(x[i]));
    return a;
  };
  if (all.empty()) {
    b.exponents = {f.min_exponent()};
  } else {
    const int hi = *std::max_element(all.begin(), all.end()), lo = *std::min_element(all.begin(), all.end());
    if (f.kind == Kind::kDbfp && f.split_range > 0 && hi - lo > f.split_range) {
      const int bound = hi - f.split_range;  // high group: exponents >= bound (and infinities)
      std::vector<int> high, low;
      b.group.assign(n, 0);
      for (int i = 0; i < n; ++i) {
        const bool is_high = std::isinf(x[i]) || (ex[i] != std::numeric_limits<int>::min() && ex[i] >= bound);
        b.group[i] = is_high ? 0 : 1;
        if (ex[i] != std::numeric_limits<int>::min()) (is_high ? high : low).push_back(ex[i]);
      }
      b.exponents = {shared_exponent(f, high, amax_of(0)), shared_exponent(f, low, amax_of(1))};
    } else {
      b.exponents = {shared_exponent(f, all, amax_of(0))};
    }
  }
  for (int i = 0; i < n; ++i) {
    const int E = b.exponents[b.group.empty() ? 0 : b.group[i]];
    const uint32_t sign = std::signbit(x[i]) ? 1u : 0u;
    uint32_t M;
    if (std::isinf(x[i])) {
      M = f.overflow == Overflow::kInfinity ? inf_code : max_finite;
    } else {
      const float q = std::ldexp(std::fabs(x[i]), -(E - m + 1));
      const float r = round_mag(q, f.rounding, stochastic_u(stream, first + i));
      if (r > static_cast<float>(max_finite)) {
        M = f.overflow == Overflow::kInfinity ? inf_code : max_finite;
      } else {
        M = static_cast<uint32_t>(r);
      }
    }
    b.codes[i] = sign << m | M;
  }
  return b;
}

void decode_bfp(const Format& f, const EncodedBlock& b, float* out) {
  const int m = f.mantissa_bits;
  const uint32_t inf_code = (1u << m) - 1;
  for (size_t i = 0; i < b.codes.size(); ++i) {
    if (b.nan) {
      out[i] = std::numeric_limits<float>::quiet_NaN();
      continue;
    }
    const int E = b.exponents[b.group.empty() ? 0 : b.group[i]];
    const uint32_t M = b.codes[i] & inf_code;
    const bool neg = (b.codes[i] >> m) & 1u;
    float v = (f.overflow == Overflow::kInfinity && M == inf_code) ? std::numeric_limits<float>::infinity()
                                                                    : std::ldexp(static_cast<float>(M), E - m + 1);
    out[i] = neg ? -v : v;
  }
}

// ---- MX ----
EncodedBlock encode_mx(const Format& f, const float* x, int n, uint64_t stream, uint64_t first) {
  EncodedBlock b;
  b.codes.assign(n, 0);
  const auto info = mx_info(f.mx);
  float amax = 0;
  for (int i = 0; i < n; ++i) {
    if (std::isnan(x[i])) b.nan = true;
    amax = std::max(amax, std::fabs(x[i]));
  }
  if (b.nan || std::isinf(amax)) {  // microxcaling: log2(inf) overflows the scale -> NaN block
    b.nan = true;
    b.exponents = {128};  // E8M0 0xFF
    return b;
  }
  // microxcaling _shared_exponents: floor(log2(max + FP32_MIN_NORMAL * (max == 0))) - emax.
  int shared = (amax == 0 ? -126 : float_exponent(amax)) - info.emax;
  if (shared > 127) {
    b.nan = true;
    b.exponents = {128};
    return b;
  }
  shared = std::max(shared, -127);
  b.exponents = {shared};
  for (int i = 0; i < n; ++i)
    b.codes[i] = mx_encode_element(f.mx, std::ldexp(x[i], -shared), f.rounding, stochastic_u(stream, first + i));
  return b;
}

void decode_mx(const Format& f, const EncodedBlock& b, float* out) {
  for (size_t i = 0; i < b.codes.size(); ++i)
    out[i] = b.nan ? std::numeric_limits<float>::quiet_NaN()
                   : std::ldexp(mx_decode_element(f.mx, b.codes[i]), b.exponents[0]);
}

}  // namespace

MxElementInfo mx_info(MxElement e) {
  switch (e) {
    case MxElement::kInt8: return {"int8", 0, 6, 0, 127.0f / 64.0f, 0};
    case MxElement::kFp8E4M3: return {"fp8_e4m3", 4, 3, 8, 448.0f, 7};
    case MxElement::kFp8E5M2: return {"fp8_e5m2", 5, 2, 15, 57344.0f, 15};
    case MxElement::kFp6E3M2: return {"fp6_e3m2", 3, 2, 4, 28.0f, 3};
    case MxElement::kFp6E2M3: return {"fp6_e2m3", 2, 3, 2, 7.5f, 1};
    case MxElement::kFp4E2M1: return {"fp4_e2m1", 2, 1, 2, 6.0f, 1};
  }
  return {"?", 0, 0, 0, 0, 0};
}

uint32_t mx_encode_element(MxElement e, float v, Rounding r, float u) {
  const auto info = mx_info(e);
  if (e == MxElement::kInt8) {  // two's complement, 6 fractional bits, -128 unused
    float q = round_mag(std::fabs(v) * 64.0f, r, u);
    q = std::min(q, 127.0f);
    int code = static_cast<int>(q) * (std::signbit(v) ? -1 : 1);
    return static_cast<uint32_t>(code) & 0xFFu;
  }
  const uint32_t sign = std::signbit(v) ? 1u : 0u;
  const float a = std::fabs(v);
  const int emin = 1 - info.bias;
  float val = info.max_normal;  // saturate
  if (a < info.max_normal) {
    const int ex = a == 0 ? emin : std::max(float_exponent(a), emin);
    const float step = std::ldexp(1.0f, ex - info.mbits);
    val = std::min(round_mag(a / step, r, u) * step, info.max_normal);
  }
  uint32_t field = 0, mant = 0;
  if (val != 0) {
    const int ev = float_exponent(val);
    if (ev < emin) {
      mant = static_cast<uint32_t>(std::ldexp(val, info.mbits - emin));
    } else {
      field = static_cast<uint32_t>(ev + info.bias);
      mant = static_cast<uint32_t>(std::ldexp(val, info.mbits - ev)) - (1u << info.mbits);
    }
  }
  return sign << (info.ebits + info.mbits) | field << info.mbits | mant;
}

float mx_decode_element(MxElement e, uint32_t bits) {
  const auto info = mx_info(e);
  if (e == MxElement::kInt8) return static_cast<float>(static_cast<int8_t>(bits & 0xFF)) / 64.0f;
  const uint32_t mant = bits & ((1u << info.mbits) - 1);
  const uint32_t field = (bits >> info.mbits) & ((1u << info.ebits) - 1);
  const bool neg = (bits >> (info.ebits + info.mbits)) & 1u;
  float v;
  if (e == MxElement::kFp8E4M3 && field == 15 && mant == 7) {
    v = std::numeric_limits<float>::quiet_NaN();
  } else if (e == MxElement::kFp8E5M2 && field == 31) {
    v = mant ? std::numeric_limits<float>::quiet_NaN() : std::numeric_limits<float>::infinity();
  } else if (field == 0) {
    v = std::ldexp(static_cast<float>(mant), 1 - info.bias - info.mbits);
  } else {
    v = std::ldexp(static_cast<float>(mant + (1u << info.mbits)), static_cast<int>(field) - info.bias - info.mbits);
  }
  return neg ? -v : v;
}

EncodedBlock encode_block(const Format& f, const float* x, int n, uint64_t stream, uint64_t first) {
  if (f.kind == Kind::kMx) return encode_mx(f, x, n, stream, first);
  return encode_bfp(f, x, n, stream, first);
}

void decode_block(const Format& f, const EncodedBlock& b, float* out) {
  if (f.kind == Kind::kMx) return decode_mx(f, b, out);
  decode_bfp(f, b, out);
}

void quantize(const Format& f, const float* x, float* out, int64_t n, uint64_t stream) {
  if (f.kind == Kind::kFloat32) {
    std::copy(x, x + n, out);
    return;
  }
  for (int64_t s = 0; s < n; s += f.block) {
    const int len = static_cast<int>(std::min<int64_t>(f.block, n - s));
    decode_block(f, encode_block(f, x + s, len, stream, static_cast<uint64_t>(s)), out + s);
  }
}

}  // namespace labkit::blockfp
