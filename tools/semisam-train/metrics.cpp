#include "metrics.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "distance_transform.h"

namespace labkit::semisam_train {

Mask surface(const Mask& m, const Grid3& g) {
  Mask s(m.size(), 0);
  const int64_t off[6][3] = {{1, 0, 0}, {-1, 0, 0}, {0, 1, 0}, {0, -1, 0}, {0, 0, 1}, {0, 0, -1}};
  for (int64_t i = 0; i < g.dims[0]; ++i)
    for (int64_t j = 0; j < g.dims[1]; ++j)
      for (int64_t k = 0; k < g.dims[2]; ++k) {
        if (!m[g.index(i, j, k)]) continue;
        for (const auto& o : off) {
          const int64_t a = i + o[0], b = j + o[1], c = k + o[2];
          const bool outside = a < 0 || b < 0 || c < 0 || a >= g.dims[0] || b >= g.dims[1] || c >= g.dims[2];
          if (outside || !m[g.index(a, b, c)]) {
            s[g.index(i, j, k)] = 1;
            break;
          }
        }
      }
  return s;
}

std::vector<double> surface_distances(const Mask& from, const Mask& to, const Grid3& g) {
  const auto dist = distance_to_sites(surface(to, g), g);
  const auto border = surface(from, g);
  std::vector<double> d;
  for (size_t i = 0; i < border.size(); ++i)
    if (border[i]) d.push_back(dist[i]);
  return d;
}

double percentile(std::vector<double>& v, double q) {
  std::sort(v.begin(), v.end());
  const double pos = q / 100.0 * double(v.size() - 1);
  const size_t lo = static_cast<size_t>(std::floor(pos)), hi = std::min(v.size() - 1, lo + 1);
  return v[lo] + (pos - double(lo)) * (v[hi] - v[lo]);
}

CaseMetrics case_metrics(const Mask& pred, const Mask& ref, const Grid3& g) {
  CaseMetrics r;
  double inter = 0, np = 0, nr = 0;
  for (size_t i = 0; i < pred.size(); ++i) {
    inter += (pred[i] && ref[i]) ? 1 : 0;
    np += pred[i] ? 1 : 0;
    nr += ref[i] ? 1 : 0;
  }
  if (np == 0 || nr == 0) {
    r.empty = true;
    return r;
  }
  r.dice = 2 * inter / (np + nr);
  r.jaccard = inter / (np + nr - inter);
  auto pr = surface_distances(pred, ref, g), rp = surface_distances(ref, pred, g);
  r.asd = std::accumulate(pr.begin(), pr.end(), 0.0) / double(pr.size());
  pr.insert(pr.end(), rp.begin(), rp.end());
  r.hd95 = percentile(pr, 95);
  return r;
}

Mask largest_component(const Mask& m, const Grid3& g) {
  std::vector<int32_t> label(m.size(), 0);
  std::vector<int64_t> stack;
  int32_t best = 0, next = 0;
  int64_t best_size = 0;
  for (int64_t start = 0; start < g.size(); ++start) {
    if (!m[start] || label[start]) continue;
    const int32_t id = ++next;
    int64_t size = 0;
    label[start] = id;
    stack.push_back(start);
    while (!stack.empty()) {
      const int64_t v = stack.back();
      stack.pop_back();
      ++size;
      const int64_t i = v / (g.dims[1] * g.dims[2]), j = (v / g.dims[2]) % g.dims[1], k = v % g.dims[2];
      for (int64_t a = std::max<int64_t>(0, i - 1); a <= std::min(g.dims[0] - 1, i + 1); ++a)
        for (int64_t b = std::max<int64_t>(0, j - 1); b <= std::min(g.dims[1] - 1, j + 1); ++b)
          for (int64_t c = std::max<int64_t>(0, k - 1); c <= std::min(g.dims[2] - 1, k + 1); ++c) {
            const int64_t w = g.index(a, b, c);
            if (m[w] && !label[w]) {
              label[w] = id;
              stack.push_back(w);
            }
          }
    }
    if (size > best_size) best_size = size, best = id;
  }
  Mask out(m.size(), 0);
  for (size_t i = 0; i < m.size(); ++i) out[i] = best && label[i] == best;
  return out;
}

}  // namespace labkit::semisam_train
