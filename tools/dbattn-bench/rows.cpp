#include "rows.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <random>

#include "labkit/core/error.h"
#include "labkit/tensorio/safetensors.h"

namespace labkit::dbattn_bench {
using namespace tensorio;  // H5File, safetensors and dtypes (libs/tensorio)

RowSet gaussian_rows(const SyntheticSettings& s, uint64_t seed) {
  RowSet r{"gaussian", s.length, std::vector<float>(s.rows * s.length), {}};
  std::mt19937_64 rng(seed * 7919 + 1);
  std::normal_distribution<double> nd(0.0, s.sigma);
  for (auto& v : r.data) v = static_cast<float>(nd(rng));
  return r;
}

RowSet outlier_rows(const SyntheticSettings& s, uint64_t seed) {
  RowSet r{"outliers", s.length, std::vector<float>(s.rows * s.length), {}};
  std::mt19937_64 rng(seed * 7919 + 2);
  std::normal_distribution<double> nd(0.0, s.sigma);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::uniform_int_distribution<int64_t> pos(0, s.length - 1);
  for (int64_t i = 0; i < s.rows; ++i) {
    float* row = r.data.data() + i * s.length;
    float mx = -std::numeric_limits<float>::infinity();
    for (int64_t j = 0; j < s.length; ++j) {
      row[j] = static_cast<float>(nd(rng) + (u(rng) < s.outlier_fraction ? s.outlier_low : 0.0));
      mx = std::max(mx, row[j]);
    }
    row[pos(rng)] = static_cast<float>(mx + s.sink);
  }
  return r;
}

RowSet read_score_file(const std::string& path) {
  auto file = SafetensorsFile::open(path);
  if (file->tensors().size() != 1)
    throw input_error(path, "expected one tensor of scores [rows, n], found " + std::to_string(file->tensors().size()));
  const auto& t = file->tensors()[0];
  if (t.dtype != DType::kF32) throw input_error(path, "tensor '" + t.name + "' must be F32, is " + dtype_name(t.dtype));
  if (t.shape.size() < 2)
    throw input_error(path, "tensor '" + t.name + "' must have shape [rows, n] (rank >= 2), has rank " +
                                std::to_string(t.shape.size()));
  const int64_t n = t.shape.back();
  if (n < 1 || t.numel() < 1) throw input_error(path, "tensor '" + t.name + "' is empty");
  RowSet r{"file", n, std::vector<float>(t.numel()), {}};
  std::memcpy(r.data.data(), t.data, t.nbytes);
  for (size_t i = 0; i < r.data.size(); ++i) {
    const float v = r.data[i];
    if (std::isnan(v) || v == std::numeric_limits<float>::infinity())
      throw input_error(path, "tensor '" + t.name + "' row " + std::to_string(i / n) + ": " +
                                  (std::isnan(v) ? "NaN" : "+inf") + " score (only -inf, a masked position, is allowed)");
  }
  return r;
}

}  // namespace labkit::dbattn_bench
