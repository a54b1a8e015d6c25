#include "overlay.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace labkit::seganypet_infer {

namespace img = labkit::imageio;

namespace {

using Colour = std::array<std::uint8_t, 3>;

double min_spacing(const img::Geometry& g) { return std::min({g.spacing[0], g.spacing[1], g.spacing[2]}); }

// Pixels a run of `n` voxels of `spacing` mm takes at `pixel_mm` per pixel.
int64_t pixels(int64_t n, double spacing, double pixel_mm) {
  return std::max<int64_t>(1, std::llround(double(n) * spacing / pixel_mm));
}

// The voxel (0..n-1) under pixel p.
int64_t voxel_at(int64_t p, int64_t n, double spacing, double pixel_mm) {
  return std::clamp<int64_t>(static_cast<int64_t>(std::floor((double(p) + 0.5) * pixel_mm / spacing)), 0, n - 1);
}

// The pixel whose centre is nearest voxel v's centre.
int64_t pixel_of(int64_t v, double spacing, double pixel_mm) {
  return static_cast<int64_t>(std::floor((double(v) + 0.5) * spacing / pixel_mm));
}

struct Window {
  float lo, hi;
  std::uint8_t grey(float v) const {
    const double t = std::clamp((double(v) - lo) / (double(hi) - lo), 0.0, 1.0);
    return static_cast<std::uint8_t>(std::lround(255.0 * t));
  }
};

Window window_of(const std::vector<float>& voxels) {
  std::vector<float> v(voxels);
  const float lo = *std::min_element(v.begin(), v.end());
  const auto k = static_cast<size_t>(std::floor(0.995 * double(v.size() - 1)));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  float hi = v[k];
  if (!(hi > lo)) hi = *std::max_element(v.begin(), v.end());
  if (!(hi > lo)) hi = lo + 1.0f;  // a constant image: all black
  return {lo, hi};
}

Colour blend(std::uint8_t g, int label) {
  if (label <= 0) return {g, g, g};
  const Colour c = label_colour(label);
  return {static_cast<std::uint8_t>((g + c[0]) / 2), static_cast<std::uint8_t>((g + c[1]) / 2),
          static_cast<std::uint8_t>((g + c[2]) / 2)};
}

void mark(img::RgbImage& out, int64_t x, int64_t y, int64_t x0, int64_t w, int64_t h) {
  const Colour yellow{255, 255, 0};
  for (int64_t d = 2; d <= 5; ++d)
    for (auto [dx, dy] : {std::pair<int64_t, int64_t>{d, 0}, {-d, 0}, {0, d}, {0, -d}}) {
      const int64_t px = x + dx, py = y + dy;
      if (px >= 0 && px < w && py >= 0 && py < h) out.set(x0 + px, py, yellow);
    }
}

}  // namespace

Colour label_colour(int label) {
  static const Colour palette[] = {{230, 25, 75}, {60, 180, 75}, {0, 130, 200}, {245, 130, 48}, {145, 30, 180}, {70, 240, 240}};
  return palette[(std::max(label, 1) - 1) % 6];
}

std::array<OverlayPanel, 3> overlay_panels(const img::Geometry& g) {
  const double s = min_spacing(g);
  const int64_t wi = pixels(g.size[0], g.spacing[0], s), hj = pixels(g.size[1], g.spacing[1], s),
                hk = pixels(g.size[2], g.spacing[2], s);
  return {OverlayPanel{0, wi, hj}, OverlayPanel{wi + kOverlayGap, wi, hk}, OverlayPanel{2 * (wi + kOverlayGap), hj, hk}};
}

img::RgbImage render_overlay(const img::Volume& image, const img::Volume& labels, std::array<int64_t, 3> ijk) {
  const img::Volume v = img::reorient(image, "LPS"), m = img::reorient(labels, "LPS");
  const img::Geometry& g = v.geometry;
  // The marked voxel in the reoriented grid, through its world position.
  std::array<double, 3> at{};
  for (int a = 0; a < 3; ++a) at[a] = double(std::clamp<int64_t>(ijk[a], 0, image.geometry.size[a] - 1));
  const auto w = img::world_to_index(g, img::index_to_world(image.geometry, at));
  std::array<int64_t, 3> c{};
  for (int a = 0; a < 3; ++a) c[a] = std::clamp<int64_t>(std::llround(w[a]), 0, g.size[a] - 1);

  const auto panels = overlay_panels(g);
  const double s = min_spacing(g);
  const int64_t height = std::max({panels[0].h, panels[1].h, panels[2].h});
  img::RgbImage out(panels[2].x + panels[2].w, height);
  const Window win = window_of(v.voxels);
  const int64_t K = g.size[2];
  auto paint = [&](const OverlayPanel& p, auto voxel_of_pixel) {
    for (int64_t y = 0; y < p.h; ++y)
      for (int64_t x = 0; x < p.w; ++x) {
        const auto [i, j, k] = voxel_of_pixel(x, y);
        out.set(p.x + x, y, blend(win.grey(v.at(i, j, k)), static_cast<int>(std::lround(m.at(i, j, k)))));
      }
  };
  auto col = [&](int64_t x, int a) { return voxel_at(x, g.size[a], g.spacing[a], s); };
  auto up = [&](int64_t y) { return K - 1 - voxel_at(y, K, g.spacing[2], s); };  // superior at the top
  paint(panels[0], [&](int64_t x, int64_t y) { return std::array<int64_t, 3>{col(x, 0), col(y, 1), c[2]}; });
  paint(panels[1], [&](int64_t x, int64_t y) { return std::array<int64_t, 3>{col(x, 0), c[1], up(y)}; });
  paint(panels[2], [&](int64_t x, int64_t y) { return std::array<int64_t, 3>{c[0], col(x, 1), up(y)}; });
  const int64_t xi = pixel_of(c[0], g.spacing[0], s), yj = pixel_of(c[1], g.spacing[1], s),
                yk = pixel_of(K - 1 - c[2], g.spacing[2], s);
  mark(out, xi, yj, panels[0].x, panels[0].w, panels[0].h);
  mark(out, xi, yk, panels[1].x, panels[1].w, panels[1].h);
  mark(out, yj, yk, panels[2].x, panels[2].w, panels[2].h);
  return out;
}

}  // namespace labkit::seganypet_infer
