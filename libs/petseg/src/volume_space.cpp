#include "labkit/petseg/volume_space.h"

#include <fmt/format.h>

#include <cmath>

#include "labkit/core/error.h"

namespace labkit::petseg {

namespace img = labkit::imageio;

namespace {

torch::Tensor ijk_view(img::Volume& v) {
  const auto& s = v.geometry.size;
  return torch::from_blob(v.voxels.data(), {s[2], s[1], s[0]}, torch::kFloat32).permute({2, 1, 0});
}

}  // namespace

void check_for_model_space(const img::Volume& v, double spacing, const std::string& path) {
  // NIfTI: in the file's bytes (ITK's reader turns them into zeros); other formats: as decoded.
  const auto raw = labkit::imageio::nifti_nonfinite_voxels(path);
  if (raw.count)
    throw labkit::input_error(path, fmt::format("{} of {} voxels are NaN or inf", raw.count, raw.voxels));
  int64_t bad = 0;
  for (float x : v.voxels) bad += !std::isfinite(x);
  if (bad)
    throw labkit::input_error(path, fmt::format("{} of {} voxels are NaN or inf", bad, v.voxels.size()));
  const auto& g = v.geometry;
  double total = 1;
  for (int a = 0; a < 3; ++a) {
    if (!(std::isfinite(g.spacing[a]) && g.spacing[a] > 0))
      throw labkit::input_error(path, fmt::format("voxel spacing {} along axis {} is not a positive finite number",
                                                  g.spacing[a], a));
    // The reoriented extent along an axis is at most the diagonal of the image box.
    const double extent = double(g.size[a]) * g.spacing[a] / spacing;
    total *= std::max(1.0, extent);
    if (extent > double(kMaxModelAxis))
      throw labkit::input_error(path, fmt::format("{} voxels of {} mm along axis {} make {:.3g} voxels at the model "
                                                  "spacing {} mm (at most {}); check the voxel spacing (pixdim) and spacing_mm",
                                                  g.size[a], g.spacing[a], a, extent, spacing, kMaxModelAxis));
  }
  if (total > double(kMaxModelVoxels))
    throw labkit::input_error(path, fmt::format("the image makes {:.3g} voxels at the model spacing {} mm (at most {:.3g}); "
                                                "check the voxel spacing (pixdim) and spacing_mm",
                                                total, spacing, double(kMaxModelVoxels)));
}

ModelSpace to_model_space(const img::Volume& v, double spacing, bool label_map) {
  ModelSpace m;
  m.original = v.geometry;
  m.volume = img::resample(img::reorient(v, "RAS"), {spacing, spacing, spacing},
                           label_map ? img::Interpolation::kNearest : img::Interpolation::kLinear);
  m.tensor = ijk_view(m.volume);
  return m;
}

std::array<double, 3> original_to_model(const ModelSpace& m, const std::array<double, 3>& ijk) {
  return img::world_to_index(m.volume.geometry, img::index_to_world(m.original, ijk));
}

Crop crop_around(const ModelSpace& m, const std::array<double, 3>& center, int64_t size) {
  Crop c;
  c.size = size;
  for (int a = 0; a < 3; ++a) c.start[a] = std::llround(center[a]) - size / 2;
  c.geometry = m.volume.geometry;
  c.geometry.size = {size, size, size};
  c.geometry.origin = img::index_to_world(
      m.volume.geometry, {double(c.start[0]), double(c.start[1]), double(c.start[2])});
  return c;
}

torch::Tensor extract(const ModelSpace& m, const Crop& c) {
  auto out = torch::zeros({c.size, c.size, c.size});
  const auto& s = m.volume.geometry.size;
  std::array<int64_t, 3> lo{}, hi{};
  for (int a = 0; a < 3; ++a) {
    lo[a] = std::max<int64_t>(0, c.start[a]);
    hi[a] = std::min<int64_t>(s[a], c.start[a] + c.size);
    if (hi[a] <= lo[a]) return out;
  }
  using torch::indexing::Slice;
  out.index_put_({Slice(lo[0] - c.start[0], hi[0] - c.start[0]), Slice(lo[1] - c.start[1], hi[1] - c.start[1]),
                  Slice(lo[2] - c.start[2], hi[2] - c.start[2])},
                 m.tensor.index({Slice(lo[0], hi[0]), Slice(lo[1], hi[1]), Slice(lo[2], hi[2])}));
  return out;
}

torch::Tensor z_normalise(const torch::Tensor& crop) {
  auto values = crop.masked_select(crop > 0);
  if (values.numel() < 2) return crop - (values.numel() ? values.mean() : torch::zeros({}));
  auto mean = values.mean(), std = values.std();
  if (std.item<double>() <= 0) return crop - mean;
  return (crop - mean) / std;
}

img::Volume crop_mask_to_original(const ModelSpace& m, const Crop& c, const torch::Tensor& mask) {
  img::Volume crop;
  crop.geometry = c.geometry;
  auto xyz = mask.to(torch::kFloat32).permute({2, 1, 0}).contiguous();
  crop.voxels.assign(xyz.data_ptr<float>(), xyz.data_ptr<float>() + xyz.numel());
  return img::resample_to(crop, m.original, img::Interpolation::kNearest);
}

}  // namespace labkit::petseg
