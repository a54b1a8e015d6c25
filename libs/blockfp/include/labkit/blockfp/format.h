// Block floating point formats as bit-accurate scalar models: plain BFP, DBFP (pivot-focus shared exponent,
// adaptive grouping), and the OCP MX formats with microxcaling's semantics. No torch.
//
// DBFP as defined here (the DB-Attn paper's bit layout is not public; every choice is documented in
// libs/blockfp/README.md):
//   a block of `block` elements shares an exponent E (exponent_bits bits, range [-(2^(e-1)-1), 2^(e-1)-1]);
//   an element is a sign and an unsigned integer mantissa M of mantissa_bits bits: x = ±M·2^(E-m+1).
//   E is the pivot exponent: floor(log2|x|) of the element the pivot rule picks (max: the largest, so the
//   largest magnitude uses the top mantissa bit; median/percentile/outlier-aware: a smaller one, so most
//   elements keep more bits and the few larger ones saturate). Adaptive grouping: when the exponents of a
//   block's nonzero elements span more than `split_range`, the block is split by magnitude into a high and
//   a low group (1 tag bit per element), each with its own shared exponent chosen by the same pivot rule.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace labkit::blockfp {

enum class Kind { kFloat32, kBfp, kDbfp, kMx };
enum class Pivot { kMax, kMedian, kPercentile, kOutlierAware };
enum class Rounding { kNearestEven, kStochastic, kTruncate };
// Saturate: magnitudes above the largest code clamp to it. Infinity: the top mantissa code is reserved for
// ±inf and larger magnitudes become ±inf (in softmax, an overflowing shifted logit then gives exp = 0).
enum class Overflow { kSaturate, kInfinity };
// OCP MX element types (OCP Microscaling Formats v1.0; microxcaling mx/formats.py).
enum class MxElement { kInt8, kFp8E4M3, kFp8E5M2, kFp6E3M2, kFp6E2M3, kFp4E2M1 };

struct Format {
  Kind kind;
  int block;            // elements per block (MX: 32)
  int mantissa_bits;    // BFP/DBFP: magnitude bits of the integer mantissa (sign extra)
  int exponent_bits;    // BFP/DBFP: shared exponent bits (MX: 8, E8M0)
  Pivot pivot;
  double percentile;    // kPercentile: nearest-rank fraction in [0, 1] of the ascending element exponents
  int outlier_count;    // kOutlierAware: up to this many largest elements may saturate ...
  int outlier_gap;      // ... when they sit at least this many binades above the next element
  int split_range;      // adaptive grouping: split when the block's exponent range exceeds it (0 = never)
  Rounding rounding;
  Overflow overflow;
  MxElement mx;

  // Canonical spec string (parse_format(f.name()) == f).
  std::string name() const;
  // Bits per element including the amortised shared exponent(s) and group tags.
  double bits_per_element() const;
  int max_exponent() const { return (1 << (exponent_bits - 1)) - 1; }
  int min_exponent() const { return -max_exponent(); }
};

// Spec strings (the tool's config and command lines use them):
//   fp32                                     no quantisation
//   bfp:b32:m8:e8                            plain BFP (max pivot, round nearest-even, saturate)
//   dbfp:b32:m4:e6:median:split3:rne:sat     DBFP; fields in any order, omitted ones take the defaults
//       bN block, mN mantissa bits, eN exponent bits, max|median|pNN (percentile NN %)|outlier[K][gG],
//       splitR (adaptive grouping bound, 0 = off), rne|sr|trunc, sat|inf
//   mxint8 mxfp8_e4m3 mxfp8_e5m2 mxfp6_e3m2 mxfp6_e2m3 mxfp4_e2m1 (block 32, E8M0 scale, RNE, saturate)
// Defaults: b32 m8 e8 max split0 rne sat. Throws std::invalid_argument naming the field and the bound.
Format parse_format(const std::string& spec);
// Range checks (also done by parse_format): block 1..1024, mantissa 1..23, exponent bits 2..8, ...
void validate(const Format& f);

// ---- Encoded blocks (bit-accurate storage) --------------------------------------------------------------
struct EncodedBlock {
  std::vector<int> exponents;     // shared exponents: one, or two when the block was split (high, low)
  std::vector<uint8_t> group;     // per element: 0 = first exponent, 1 = second (empty when not split)
  std::vector<uint32_t> codes;    // per element bit pattern: BFP/DBFP sign<<m | M; MX the element's bits
  bool nan = false;               // MX: the scale overflowed (E8M0 code 0xFF); NaN input anywhere
};

// `stream` and the element index seed stochastic rounding (counter-based: runs repeat exactly).
EncodedBlock encode_block(const Format& f, const float* x, int n, uint64_t stream = 0, uint64_t first_index = 0);
void decode_block(const Format& f, const EncodedBlock& b, float* out);
// decode(encode(x)) block by block over n values (the last block may be short).
void quantize(const Format& f, const float* x, float* out, int64_t n, uint64_t stream = 0);

// ---- Pieces shared with the kernels ---------------------------------------------------------------------
// floor(log2|v|) for finite nonzero v (exact, from the float's bits; subnormals included).
int float_exponent(float v);
// The pivot exponent of the given element exponents (non-empty) under f's rule.
int pivot_exponent(const Format& f, std::vector<int> exps);
// The shared exponent of a group with these element exponents (non-empty) and largest magnitude amax:
// the pivot clamped to the exponent range; with the inf overflow policy, when the pivot is the group's
// largest exponent and amax would exceed the largest finite code, E + 1 (so no element in the pivot's
// own binade turns into inf; only elements above the pivot's binade can).
int shared_exponent(const Format& f, std::vector<int> exps, float amax);
// Uniform [0,1) with 24 bits from (stream, index): splitmix64.
float stochastic_u(uint64_t stream, uint64_t index);

// MX element type parameters.
struct MxElementInfo {
  const char* name;
  int ebits, mbits;  // exponent bits, explicit mantissa bits (INT8: 0, 6 fractional bits)
  int emax;          // exponent of the largest normal (microxcaling's emax)
  float max_normal;
  int bias;
};
MxElementInfo mx_info(MxElement e);
// One element already divided by the scale: quantise (saturating, subnormals kept) and return the bits.
uint32_t mx_encode_element(MxElement e, float v, Rounding r, float u);
float mx_decode_element(MxElement e, uint32_t bits);

}  // namespace labkit::blockfp
