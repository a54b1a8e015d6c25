// Score rows to evaluate softmax formats on: synthetic (gaussian, outlier-heavy) and user score files.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "settings.h"

namespace labkit::dbattn_bench {

struct RowSet {
  std::string name;
  int64_t n = 0;             // row length
  std::vector<float> data;   // [count, n]; -inf = masked
  std::vector<int> layer;    // per row, for rows captured from a model (else empty)
  int64_t count() const { return n ? static_cast<int64_t>(data.size()) / n : 0; }
};

// N(0, sigma) rows.
RowSet gaussian_rows(const SyntheticSettings& s, uint64_t seed);
// Gaussian rows where a fraction of entries sit near outlier_low (far below the bulk) and one entry is
// raised to max + sink: the shapes that separate pivot rules.
RowSet outlier_rows(const SyntheticSettings& s, uint64_t seed);
// A safetensors file with one float32 tensor [rows, n] (or [..., n], flattened to rows); -inf entries are
// masked positions. InputError naming the file for another dtype/rank, empty rows, NaN or +inf.
RowSet read_score_file(const std::string& path);

}  // namespace labkit::dbattn_bench
