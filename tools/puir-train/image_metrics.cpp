#include "image_metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace labkit::puir_train {

double mean_squared_error(const std::vector<float>& a, const std::vector<float>& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    const double d = static_cast<double>(a[i]) - b[i];
    s += d * d;
  }
  return s / static_cast<double>(a.size());
}

double psnr(const std::vector<float>& truth, const std::vector<float>& test, double data_range) {
  const double mse = mean_squared_error(truth, test);
  if (mse == 0) return std::numeric_limits<double>::infinity();
  return 10 * std::log10(data_range * data_range / mse);
}

double joint_data_range(const std::vector<float>& a, const std::vector<float>& b) {
  auto range = [](const std::vector<float>& v) {
    const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
    return static_cast<double>(*hi) - *lo;
  };
  return std::max(range(a), range(b));
}

namespace {

// scipy.ndimage.uniform_filter1d(size=7, mode="reflect") along one axis of a (n0, n1, n2) array:
// reflect is half-sample symmetric (d c b a | a b c d | d c b a).
void box_filter_axis(std::vector<double>& v, const std::array<int64_t, 3>& n, int axis, int64_t size) {
  const int64_t stride = axis == 2 ? 1 : axis == 1 ? n[2] : n[1] * n[2];
  const int64_t len = n[axis], half = size / 2;
  auto reflect = [len](int64_t i) {
    const int64_t period = 2 * len;
    i %= period;
    if (i < 0) i += period;
    return i < len ? i : period - 1 - i;
  };
  std::vector<double> line(static_cast<size_t>(len));
  const int64_t total = n[0] * n[1] * n[2];
  for (int64_t start = 0; start < total; ++start) {
    if ((start / stride) % len != 0) continue;  // first element of a line along `axis`
    for (int64_t i = 0; i < len; ++i) line[i] = v[start + i * stride];
    for (int64_t i = 0; i < len; ++i) {
      double s = 0;
      for (int64_t k = -half; k <= half; ++k) s += line[reflect(i + k)];
      v[start + i * stride] = s / static_cast<double>(size);
    }
  }
}

std::vector<double> box_filter(std::vector<double> v, const std::array<int64_t, 3>& n, int64_t size) {
  for (int axis = 0; axis < 3; ++axis) box_filter_axis(v, n, axis, size);
  return v;
}

}  // namespace

double ssim(const std::vector<float>& truth, const std::vector<float>& test, const std::array<int64_t, 3>& n,
            double data_range) {
  constexpr int64_t win = 7;
  for (int a = 0; a < 3; ++a)
    if (n[a] < win) throw std::invalid_argument("ssim: every axis needs at least 7 voxels");
  const size_t total = truth.size();
  std::vector<double> x(truth.begin(), truth.end()), y(test.begin(), test.end()), xx(total), yy(total), xy(total);
  for (size_t i = 0; i < total; ++i) xx[i] = x[i] * x[i], yy[i] = y[i] * y[i], xy[i] = x[i] * y[i];
  const auto ux = box_filter(x, n, win), uy = box_filter(y, n, win), uxx = box_filter(xx, n, win),
             uyy = box_filter(yy, n, win), uxy = box_filter(xy, n, win);
  const double np = static_cast<double>(win * win * win), cov_norm = np / (np - 1);
  const double c1 = (0.01 * data_range) * (0.01 * data_range), c2 = (0.03 * data_range) * (0.03 * data_range);
  const int64_t pad = (win - 1) / 2;
  double sum = 0;
  int64_t count = 0;
  for (int64_t i = pad; i < n[0] - pad; ++i)
    for (int64_t j = pad; j < n[1] - pad; ++j)
      for (int64_t k = pad; k < n[2] - pad; ++k) {
        const size_t p = static_cast<size_t>((i * n[1] + j) * n[2] + k);
        const double vx = cov_norm * (uxx[p] - ux[p] * ux[p]), vy = cov_norm * (uyy[p] - uy[p] * uy[p]),
                     vxy = cov_norm * (uxy[p] - ux[p] * uy[p]);
        const double a1 = 2 * ux[p] * uy[p] + c1, a2 = 2 * vxy + c2, b1 = ux[p] * ux[p] + uy[p] * uy[p] + c1,
                     b2 = vx + vy + c2;
        sum += a1 * a2 / (b1 * b2);
        ++count;
      }
  return sum / static_cast<double>(count);
}

}  // namespace labkit::puir_train
