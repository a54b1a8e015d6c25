// The DH-LUT exp unit (definition in softmax.h).
#include <cmath>
#include <stdexcept>
#include <string>

#include "labkit/blockfp/softmax.h"

namespace labkit::blockfp {

ExpLut::ExpLut(const LutSpec& spec) : spec_(spec) {
  if (spec.index_bits < 0 || spec.index_bits > kMaxLutIndexBits)
    throw std::invalid_argument("lut.index_bits: must be in 0.." + std::to_string(kMaxLutIndexBits));
  if (spec.entry_bits < 2 || spec.entry_bits > kQ)
    throw std::invalid_argument("lut.entry_bits: must be in 2.." + std::to_string(kQ));
  if (spec.levels != 1 && spec.levels != 2) throw std::invalid_argument("lut.levels: must be 1 or 2");
  hi_bits_ = spec.levels == 1 ? spec.index_bits : (spec.index_bits + 1) / 2;
  lo_bits_ = spec.index_bits - hi_bits_;
  const double one = std::ldexp(1.0, spec.entry_bits);
  hi_.resize(size_t{1} << hi_bits_);
  for (size_t i = 0; i < hi_.size(); ++i)
    hi_[i] = static_cast<uint32_t>(std::nearbyint(std::exp2(-static_cast<double>(i) / hi_.size()) * one));
  if (spec.levels == 2) {
    lo_.resize(size_t{1} << lo_bits_);
    const double full = std::ldexp(1.0, spec.index_bits);
    for (size_t j = 0; j < lo_.size(); ++j)
      lo_[j] = static_cast<uint32_t>(std::nearbyint(std::exp2(-static_cast<double>(j) / full) * one));
  }
}

uint32_t ExpLut::exp2_neg(float t) const {
  if (!(t < 31.0f)) return 0;  // also +inf
  float kf = std::floor(t);
  const float fr = t - kf;  // exact
  const float scale = std::ldexp(1.0f, spec_.index_bits);
  uint32_t idx = static_cast<uint32_t>(std::nearbyint(fr * scale));
  if (idx == static_cast<uint32_t>(scale)) {
    idx = 0;
    kf += 1.0f;
  }
  const uint32_t k = static_cast<uint32_t>(kf);
  if (k >= 31) return 0;
  uint64_t entry;
  if (spec_.levels == 1) {
    entry = hi_[idx];
  } else {
    const uint64_t prod = uint64_t{hi_[idx >> lo_bits_]} * lo_[idx & ((1u << lo_bits_) - 1)];
    entry = (prod + (uint64_t{1} << (spec_.entry_bits - 1))) >> spec_.entry_bits;
  }
  return static_cast<uint32_t>((entry << (kQ - spec_.entry_bits)) >> k);
}

double ExpLut::table_bytes() const {
  const double bits = static_cast<double>(hi_.size() + lo_.size()) * (spec_.entry_bits + 1);
  return bits / 8.0;
}

}  // namespace labkit::blockfp
