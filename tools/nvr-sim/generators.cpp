// Synthetic sparsity patterns, deterministic in workload.seed:
//  uniform: each entry nonzero with probability `density`;
//  rmat:    density*rows*cols edges by recursive quadrant choice (a, b, c, d) = (0.57, 0.19, 0.19, 0.05),
//           heavy-tailed (power-law) row and column degrees;
//  banded:  |i - j| <= band;
//  block:   block x block dense tiles, each present with probability `density`;
//  nm:      N:M structured pruning, nm_n nonzeros in every group of nm_m consecutive columns;
//  attention: causal sparse attention / KV-cache gather pattern: query i attends to the `band` keys
//           before it (local window) plus density*cols random earlier keys (global / top-k picks).
#include <algorithm>
#include <random>

#include <labkit/core/error.h>

#include "workload.h"

namespace labkit::nvr_sim {

CsrMatrix generate_matrix(const WorkloadConfig& w) {
  if (w.rows == 0 || w.cols == 0) throw labkit::InputError("config workload.rows/cols: must be > 0");
  std::mt19937_64 rng(w.seed);
  std::vector<std::pair<std::uint32_t, std::uint32_t>> e;
  const auto& g = w.generator;
  auto need_density = [&] {
    if (!(w.density > 0 && w.density <= 1)) throw labkit::InputError("config workload.density: must be in (0, 1]");
  };
  if (g == "uniform") {
    need_density();
    std::binomial_distribution<std::uint32_t> count(w.cols, w.density);
    std::uniform_int_distribution<std::uint32_t> col(0, w.cols - 1);
    for (std::uint32_t r = 0; r < w.rows; ++r) {
      const std::uint32_t k = count(rng);
      for (std::uint32_t i = 0; i < k; ++i) e.emplace_back(r, col(rng));  // duplicates dropped by CSR build
    }
  } else if (g == "rmat") {
    need_density();
    std::uint32_t scale = 0;
    while ((1ull << scale) < std::max(w.rows, w.cols)) ++scale;
    const std::uint64_t edges = std::uint64_t(w.density * double(w.rows) * double(w.cols));
    std::uniform_real_distribution<double> u(0, 1);
    for (std::uint64_t k = 0; k < edges; ++k) {
      std::uint64_t r = 0, c = 0;
      for (std::uint32_t b = 0; b < scale; ++b) {
        const double x = u(rng);
        const int q = x < 0.57 ? 0 : x < 0.76 ? 1 : x < 0.95 ? 2 : 3;
        r = (r << 1) | (q >> 1);
        c = (c << 1) | (q & 1);
      }
      if (r < w.rows && c < w.cols) e.emplace_back(std::uint32_t(r), std::uint32_t(c));
    }
  } else if (g == "banded") {
    for (std::uint32_t r = 0; r < w.rows; ++r) {
      const std::uint32_t lo = r > w.band ? r - w.band : 0;
      const std::uint32_t hi = std::min<std::uint64_t>(w.cols - 1, std::uint64_t(r) + w.band);
      for (std::uint32_t c = lo; c <= hi && c < w.cols; ++c) e.emplace_back(r, c);
    }
  } else if (g == "block") {
    need_density();
    if (w.block == 0) throw labkit::InputError("config workload.block: must be > 0");
    std::bernoulli_distribution keep(w.density);
    for (std::uint32_t br = 0; br < w.rows; br += w.block)
      for (std::uint32_t bc = 0; bc < w.cols; bc += w.block)
        if (keep(rng))
          for (std::uint32_t r = br; r < std::min(w.rows, br + w.block); ++r)
            for (std::uint32_t c = bc; c < std::min(w.cols, bc + w.block); ++c) e.emplace_back(r, c);
  } else if (g == "nm") {
    if (w.nm_m == 0 || w.nm_n == 0 || w.nm_n > w.nm_m)
      throw labkit::InputError("config workload.nm_n/nm_m: need 0 < nm_n <= nm_m");
    std::vector<std::uint32_t> lanes(w.nm_m);
    for (std::uint32_t r = 0; r < w.rows; ++r)
      for (std::uint32_t g0 = 0; g0 < w.cols; g0 += w.nm_m) {
        for (std::uint32_t i = 0; i < w.nm_m; ++i) lanes[i] = i;
        std::shuffle(lanes.begin(), lanes.end(), rng);
        for (std::uint32_t i = 0; i < w.nm_n; ++i)
          if (g0 + lanes[i] < w.cols) e.emplace_back(r, g0 + lanes[i]);
      }
  } else if (g == "attention") {
    need_density();
    const std::uint32_t extra = static_cast<std::uint32_t>(w.density * double(w.cols) + 0.5);
    for (std::uint32_t r = 0; r < w.rows; ++r) {
      const std::uint32_t q = std::min<std::uint32_t>(r, w.cols - 1);  // position of the query
      for (std::uint32_t c = q > w.band ? q - w.band : 0; c <= q; ++c) e.emplace_back(r, c);
      std::uniform_int_distribution<std::uint32_t> key(0, q);
      for (std::uint32_t k = 0; k < extra; ++k) e.emplace_back(r, key(rng));
    }
  } else {
    throw labkit::InputError("config workload.generator: unknown generator '" + g +
                             "' (uniform, rmat, banded, block, nm, attention)");
  }
  return csr_from_coo(w.rows, w.cols, std::move(e));
}

CsrMatrix csr_from_coo(std::uint32_t rows, std::uint32_t cols,
                       std::vector<std::pair<std::uint32_t, std::uint32_t>> entries) {
  std::sort(entries.begin(), entries.end());
  entries.erase(std::unique(entries.begin(), entries.end()), entries.end());
  CsrMatrix m;
  m.rows = rows;
  m.cols = cols;
  m.row_ptr.assign(std::size_t(rows) + 1, 0);
  m.col_idx.reserve(entries.size());
  for (const auto& [r, c] : entries) {
    ++m.row_ptr[r + 1];
    m.col_idx.push_back(c);
  }
  for (std::uint32_t r = 0; r < rows; ++r) m.row_ptr[r + 1] += m.row_ptr[r];
  return m;
}

}  // namespace labkit::nvr_sim
