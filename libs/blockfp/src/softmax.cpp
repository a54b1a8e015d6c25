// Scalar softmax models, the float64 reference, error metrics and attention.
#include <algorithm>
#include <cmath>
#include <limits>

#include "labkit/blockfp/softmax.h"

namespace labkit::blockfp {
namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kInf = std::numeric_limits<float>::infinity();

// Max over the row; false if it holds NaN or +inf.
bool row_max(const float* x, int64_t n, float& m) {
  m = -kInf;
  for (int64_t i = 0; i < n; ++i) {
    if (std::isnan(x[i]) || x[i] == kInf) return false;
    m = std::max(m, x[i]);
  }
  return true;
}

void quantise_tile(const Format& f, const float* x, int64_t n, float against, uint64_t stream, int64_t first,
                   float* yq, uint8_t* masked) {
  std::vector<float> y(n);
  for (int64_t i = 0; i < n; ++i) {
    masked[i] = x[i] == -kInf;
    y[i] = masked[i] ? 0.0f : (x[i] - against) * kLog2e;
  }
  if (f.kind == Kind::kFloat32) {
    std::copy(y.begin(), y.end(), yq);
    return;
  }
  for (int64_t s = 0; s < n; s += f.block) {
    const int len = static_cast<int>(std::min<int64_t>(f.block, n - s));
    decode_block(f, encode_block(f, y.data() + s, len, stream, static_cast<uint64_t>(first + s)), yq + s);
  }
}

// The online pass shared by the LUT and the exact softmax: tile by tile, the running max M (-inf until a
// finite score is seen) and a running sum that `rescale(M, tm)` adjusts when the max grows from M to tm
// and `add(y)` grows by each unmasked quantised shifted logit. False when a tile holds NaN or +inf.
template <class Rescale, class Add>
bool online_max_and_sum(const Format& f, const float* x, int64_t n, int64_t tile, uint64_t stream, float& M,
                        Rescale rescale, Add add) {
  M = -kInf;
  std::vector<float> yq(tile);
  std::vector<uint8_t> masked(tile);
  for (int64_t t0 = 0; t0 < n; t0 += tile) {
    const int64_t len = std::min(tile, n - t0);
    float tm;
    if (!row_max(x + t0, len, tm)) return false;
    if (tm == -kInf) continue;
    if (tm > M) {
      if (M != -kInf) rescale(M, tm);
      M = tm;
    }
    quantise_tile(f, x + t0, len, M, stream, t0, yq.data(), masked.data());
    for (int64_t i = 0; i < len; ++i)
      if (!masked[i]) add(yq[i]);
  }
  return true;
}

}  // namespace

bool shifted_logits(const Format& f, const float* x, int64_t n, float m, uint64_t stream, std::vector<float>& yq,
                    std::vector<uint8_t>& masked) {
  yq.resize(n);
  masked.resize(n);
  quantise_tile(f, x, n, m, stream, 0, yq.data(), masked.data());
  return true;
}

void softmax_two_pass(const SoftmaxSpec& s, const ExpLut& lut, const float* x, float* p, int64_t n,
                      uint64_t stream) {
  float m;
  if (!row_max(x, n, m)) return std::fill(p, p + n, kNaN);
  if (m == -kInf) return std::fill(p, p + n, 0.0f);
  std::vector<float> yq;
  std::vector<uint8_t> masked;
  shifted_logits(s.format, x, n, m, stream, yq, masked);
  std::vector<uint32_t> e(n);
  uint64_t sum = 0;
  for (int64_t i = 0; i < n; ++i) {
    e[i] = masked[i] ? 0 : lut.exp2_neg(-yq[i]);
    sum += e[i];
  }
  if (sum == 0) return std::fill(p, p + n, kNaN);  // a NaN block (MX scale overflow) reached the sum
  const float inv = 1.0f / static_cast<float>(sum);
  for (int64_t i = 0; i < n; ++i) p[i] = static_cast<float>(e[i]) * inv;
}

void softmax_online(const SoftmaxSpec& s, const ExpLut& lut, const float* x, float* p, int64_t n, int64_t tile,
                    uint64_t stream) {
  float M;
  unsigned __int128 sum = 0;
  if (!online_max_and_sum(
          s.format, x, n, tile, stream, M,
          [&](float m_old, float m_new) { sum = (sum * lut.exp2_neg((m_new - m_old) * kLog2e)) >> kQ; },
          [&](float y) { sum += lut.exp2_neg(-y); }))
    return std::fill(p, p + n, kNaN);
  if (M == -kInf) return std::fill(p, p + n, 0.0f);
  if (sum == 0) return std::fill(p, p + n, kNaN);
  std::vector<float> yall;
  std::vector<uint8_t> mall;
  shifted_logits(s.format, x, n, M, stream, yall, mall);
  const float inv = 1.0f / static_cast<float>(static_cast<uint64_t>(sum));
  for (int64_t i = 0; i < n; ++i) p[i] = mall[i] ? 0.0f : static_cast<float>(lut.exp2_neg(-yall[i])) * inv;
}

void softmax_two_pass_exact(const Format& f, const float* x, float* p, int64_t n, uint64_t stream) {
  float m;
  if (!row_max(x, n, m)) return std::fill(p, p + n, kNaN);
  if (m == -kInf) return std::fill(p, p + n, 0.0f);
  std::vector<float> yq;
  std::vector<uint8_t> masked;
  shifted_logits(f, x, n, m, stream, yq, masked);
  double sum = 0;
  for (int64_t i = 0; i < n; ++i) sum += masked[i] ? 0.0 : std::exp2(static_cast<double>(yq[i]));
  for (int64_t i = 0; i < n; ++i)
    p[i] = masked[i] ? 0.0f : static_cast<float>(std::exp2(static_cast<double>(yq[i])) / sum);
}

void softmax_online_exact(const Format& f, const float* x, float* p, int64_t n, int64_t tile, uint64_t stream) {
  float M;
  double sum = 0;
  if (!online_max_and_sum(
          f, x, n, tile, stream, M,
          [&](float m_old, float m_new) { sum *= std::exp2(static_cast<double>((m_old - m_new) * kLog2e)); },
          [&](float y) { sum += std::exp2(static_cast<double>(y)); }))
    return std::fill(p, p + n, kNaN);
  if (M == -kInf) return std::fill(p, p + n, 0.0f);
  std::vector<float> yall;
  std::vector<uint8_t> mall;
  shifted_logits(f, x, n, M, stream, yall, mall);
  for (int64_t i = 0; i < n; ++i)
    p[i] = mall[i] ? 0.0f : static_cast<float>(std::exp2(static_cast<double>(yall[i])) / sum);
}

void softmax_reference(const float* x, double* p, int64_t n) {
  double m = -std::numeric_limits<double>::infinity();
  for (int64_t i = 0; i < n; ++i) {
    if (std::isnan(x[i]) || x[i] == kInf) return std::fill(p, p + n, std::nan(""));
    m = std::max(m, static_cast<double>(x[i]));
  }
  if (std::isinf(m)) return std::fill(p, p + n, 0.0);
  double sum = 0;
  for (int64_t i = 0; i < n; ++i) sum += (p[i] = std::exp(static_cast<double>(x[i]) - m));
  for (int64_t i = 0; i < n; ++i) p[i] /= sum;
}

RowError row_error(const double* ref, const float* q, int64_t n) {
  RowError e{0, 0};
  for (int64_t i = 0; i < n; ++i) {
    e.max_abs = std::max(e.max_abs, std::fabs(ref[i] - q[i]));
    if (ref[i] > 0) e.kl += ref[i] * std::log(ref[i] / std::max(static_cast<double>(q[i]), 1e-30));
  }
  return e;
}

std::vector<float> attention(const SoftmaxSpec& s, const ExpLut& lut, const std::vector<float>& q,
                             const std::vector<float>& k, const std::vector<float>& v, int64_t T, int64_t D) {
  const float scale = 1.0f / std::sqrt(static_cast<float>(D));
  std::vector<float> out(T * D, 0.0f), row(T), prob(T);
  for (int64_t i = 0; i < T; ++i) {
    for (int64_t j = 0; j < T; ++j) {
      if (j > i) {
        row[j] = -kInf;
        continue;
      }
      float acc = 0;
      for (int64_t d = 0; d < D; ++d) acc += q[i * D + d] * k[j * D + d];
      row[j] = acc * scale;
    }
    softmax_two_pass(s, lut, row.data(), prob.data(), T, static_cast<uint64_t>(i));
    for (int64_t j = 0; j <= i; ++j)
      for (int64_t d = 0; d < D; ++d) out[i * D + d] += prob[j] * v[j * D + d];
  }
  return out;
}

std::vector<double> attention_reference(const std::vector<float>& q, const std::vector<float>& k,
                                        const std::vector<float>& v, int64_t T, int64_t D) {
  const double scale = 1.0 / std::sqrt(static_cast<double>(D));
  std::vector<double> out(T * D, 0.0), prob(T);
  for (int64_t i = 0; i < T; ++i) {
    double m = -std::numeric_limits<double>::infinity(), sum = 0;
    for (int64_t j = 0; j <= i; ++j) {
      double acc = 0;
      for (int64_t d = 0; d < D; ++d) acc += static_cast<double>(q[i * D + d]) * k[j * D + d];
      prob[j] = acc * scale;
      m = std::max(m, prob[j]);
    }
    for (int64_t j = 0; j <= i; ++j) sum += (prob[j] = std::exp(prob[j] - m));
    for (int64_t j = 0; j <= i; ++j)
      for (int64_t d = 0; d < D; ++d) out[i * D + d] += prob[j] / sum * v[j * D + d];
  }
  return out;
}

}  // namespace labkit::blockfp
