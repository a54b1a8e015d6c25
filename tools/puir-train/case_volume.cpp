#include "case_volume.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "labkit/core/error.h"
#include "labkit/imageio/image.h"

namespace labkit::puir_train {

bool z_score(std::vector<float>& v) {
  double sum = 0, sq = 0;
  for (float x : v) sum += x;
  const double mean = sum / static_cast<double>(v.size());
  for (float x : v) sq += (x - mean) * (x - mean);
  const double sd = std::sqrt(sq / static_cast<double>(v.size()));
  if (!(sd > 0)) return false;
  for (float& x : v) x = static_cast<float>((x - mean) / sd);
  return true;
}

bool foreground_box(const std::vector<float>& v, const std::array<int64_t, 3>& dims, double threshold,
                    std::array<int64_t, 3>& lo, std::array<int64_t, 3>& hi) {
  lo = dims, hi = {0, 0, 0};
  size_t i = 0;
  for (int64_t z = 0; z < dims[0]; ++z)
    for (int64_t y = 0; y < dims[1]; ++y)
      for (int64_t x = 0; x < dims[2]; ++x, ++i)
        if (v[i] >= threshold) {
          const std::array<int64_t, 3> p{z, y, x};
          for (int a = 0; a < 3; ++a) lo[a] = std::min(lo[a], p[a]), hi[a] = std::max(hi[a], p[a] + 1);
        }
  return hi[0] > 0;
}

void grow_to(int64_t& lo, int64_t& hi, int64_t size, int64_t n) {
  const int64_t missing = size - (hi - lo);
  if (missing <= 0) return;
  lo -= missing / 2;
  hi += missing - missing / 2;
  if (lo < 0) hi -= lo, lo = 0;
  if (hi > n) lo = std::max<int64_t>(0, lo - (hi - n)), hi = n;
}

// One piece: read, check, normalise and crop every modality of a case, in the order upstream applies it.
CaseVolume load_case(const CaseFiles& f, int64_t crop, double threshold) {
  CaseVolume c;
  c.name = f.name;
  std::vector<std::vector<float>> channels;
  imageio::Geometry grid;
  for (size_t m = 0; m < f.images.size(); ++m) {
    const auto& path = f.images[m];
    auto fail = [&](const std::string& problem) { return labkit::input_error(path, "case " + f.name + ": " + problem); };
    if (imageio::nifti_nonfinite_voxels(path).count > 0) throw fail("holds NaN or inf voxels");
    auto v = imageio::read_volume(path);
    if (m == 0) {
      grid = v.geometry;
      c.dims = {grid.size[2], grid.size[1], grid.size[0]};
    } else if (!imageio::same_geometry(grid, v.geometry, 1e-3)) {
      throw fail(fmt::format("not on the grid of {} (size {}x{}x{} vs {}x{}x{}, or spacing/origin/direction differ)",
                             f.images[0], v.geometry.size[0], v.geometry.size[1], v.geometry.size[2], grid.size[0],
                             grid.size[1], grid.size[2]));
    }
    for (int a = 0; a < 3; ++a)
      if (c.dims[a] < crop)
        throw fail(fmt::format("the crop ({}) is larger than the volume ({}x{}x{} voxels)", crop, grid.size[0],
                               grid.size[1], grid.size[2]));
    if (!z_score(v.voxels)) throw fail("empty foreground: the volume is constant");
    channels.push_back(std::move(v.voxels));
  }
  std::array<int64_t, 3> lo{}, hi{};
  if (!foreground_box(channels[0], c.dims, threshold, lo, hi))
    throw labkit::input_error(f.images[0], fmt::format("case {}: empty foreground (no voxel with z >= {})", f.name, threshold));
  for (int a = 0; a < 3; ++a) grow_to(lo[a], hi[a], crop, c.dims[a]);
  const std::array<int64_t, 3> full = c.dims;
  c.dims = {hi[0] - lo[0], hi[1] - lo[1], hi[2] - lo[2]};
  c.data.reserve(static_cast<size_t>(c.voxels()) * channels.size());
  for (const auto& ch : channels)
    for (int64_t z = lo[0]; z < hi[0]; ++z)
      for (int64_t y = lo[1]; y < hi[1]; ++y) {
        const auto row = ch.begin() + (z * full[1] + y) * full[2];
        c.data.insert(c.data.end(), row + lo[2], row + hi[2]);
      }
  return c;
}

}  // namespace labkit::puir_train
