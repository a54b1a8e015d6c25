// Softmax in a block format: max subtraction, base-2 logits held in the format, exp through the DH-LUT,
// fixed-point sum, normalisation. Two-pass and online (tiled) forms, a float64 reference, and attention
// with the softmax replaced. Scalar models: the kernels in kernel.h are tested bit-identical to these.
#pragma once

#include <cstdint>
#include <vector>

#include "labkit/blockfp/format.h"

namespace labkit::blockfp {

// DH-LUT ("dual-half lookup table", our definition; the paper's is not public). For a shifted base-2 logit
// y <= 0 held in the block format, t = -y >= 0 is split as t = k + f (k integer, f in [0,1)). f is rounded
// to `index_bits` bits (a carry into k when it rounds up to 1); 2^-f comes from the table(s), 2^-k is a
// right shift. levels = 1: one table of 2^index_bits entries. levels = 2: the index is split into a high
// half (ceil(bits/2)) and a low half, 2^-(h+l) = T_hi[h]·T_lo[l] (two small tables and one multiplier).
// Entries are unsigned fixed point with entry_bits fractional bits (1.0 = 2^entry_bits), rounded to nearest.
// The result is Q30 fixed point (1.0 = 2^30): (entry << (30 - entry_bits)) >> k; k >= 31 gives 0.
constexpr int kMaxLutIndexBits = 16;  // tables above 64 Ki entries are refused (a hardware budget)
constexpr int kQ = 30;                // fractional bits of exp values and their sum

struct LutSpec {
  int index_bits;
  int entry_bits;
  int levels;
};

class ExpLut {
 public:
  explicit ExpLut(const LutSpec& spec);  // throws std::invalid_argument naming the field
  const LutSpec& spec() const { return spec_; }
  // 2^-t in Q30 for t >= 0 (+inf -> 0).
  uint32_t exp2_neg(float t) const;
  const std::vector<uint32_t>& hi() const { return hi_; }  // levels 1: the only table
  const std::vector<uint32_t>& lo() const { return lo_; }  // levels 2 only
  int hi_bits() const { return hi_bits_; }
  int lo_bits() const { return lo_bits_; }
  double table_bytes() const;  // storage of the table(s) at entry_bits + 1 bits per entry

 private:
  LutSpec spec_;
  int hi_bits_, lo_bits_;
  std::vector<uint32_t> hi_, lo_;
};

struct SoftmaxSpec {
  Format format;
  LutSpec lut;
};

constexpr float kLog2e = 1.44269504088896340736f;

// The row's shifted base-2 logits y_i = (x_i - max)·log2 e, -inf (masked) replaced by 0 and flagged,
// quantised in `format` block by block (stream seeds stochastic rounding). Returns false when the row
// has NaN or +inf (the output is then all NaN) and sets all_masked when every entry is -inf.
bool shifted_logits(const Format& format, const float* x, int64_t n, float row_max, uint64_t stream,
                    std::vector<float>& yq, std::vector<uint8_t>& masked);

// Two-pass softmax (max; then quantise, exp, sum; then normalise). NaN or +inf anywhere in the row: all
// outputs NaN. Every entry -inf (fully masked): all outputs 0. Output p_i = float(e_i) · (1 / float(sum)).
void softmax_two_pass(const SoftmaxSpec& s, const ExpLut& lut, const float* x, float* p, int64_t n,
                      uint64_t stream = 0);
// Online form: one pass over tiles of `tile` entries keeps the running max M and the Q30 sum, rescaling the
// sum by the LUT's 2^-((M_new - M_old)·log2 e) when M grows (each tile is quantised against the running
// max); a second pass writes e_i / sum with e_i against the final max (as two-pass). Differs from the
// two-pass sum only through quantisation against the running max and the rescale's LUT rounding.
void softmax_online(const SoftmaxSpec& s, const ExpLut& lut, const float* x, float* p, int64_t n, int64_t tile,
                    uint64_t stream = 0);
// The same two forms with the exact exp (float64 exp2 of the quantised logits, float64 sum): isolates
// the format's error from the LUT's, and is the "online vs two-pass agree to fp32 rounding" check.
void softmax_two_pass_exact(const Format& f, const float* x, float* p, int64_t n, uint64_t stream = 0);
void softmax_online_exact(const Format& f, const float* x, float* p, int64_t n, int64_t tile, uint64_t stream = 0);
// float64 reference: exp(x - max) / sum, same NaN/-inf conventions.
void softmax_reference(const float* x, double* p, int64_t n);

// Row error metrics against the reference: KL(ref || q) with q floored at 1e-30 (a flushed probability
// costs p·ln(p/1e-30), finite), and max |ref - q|.
struct RowError {
  double kl;
  double max_abs;
};
RowError row_error(const double* ref, const float* q, int64_t n);

// One head of causal attention: q, k, v [T, D] row-major float32; scores = q k^T / sqrt(D) in float32,
// j > i masked, softmax in `s` (two-pass), out = P v in float32. attention_reference does everything in
// float64 with the exact softmax.
std::vector<float> attention(const SoftmaxSpec& s, const ExpLut& lut, const std::vector<float>& q,
                             const std::vector<float>& k, const std::vector<float>& v, int64_t T, int64_t D);
std::vector<double> attention_reference(const std::vector<float>& q, const std::vector<float>& k,
                                        const std::vector<float>& v, int64_t T, int64_t D);

}  // namespace labkit::blockfp
