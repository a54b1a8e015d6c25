#include "mask_io.h"

#include <cmath>

#include "labkit/core/error.h"
#include "labkit/imageio/image.h"
#include "npy_reader.h"

namespace labkit::aneumo_build {

namespace {

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

Domain from_npy(const std::string& path, const NpyLayout& layout) {
  const NpyArray a = read_npy(path);
  // Leading singleton axes (batch, channel) are dropped; three must remain.
  std::vector<int64_t> dims = a.shape;
  while (dims.size() > 3 && dims.front() == 1) dims.erase(dims.begin());
  if (dims.size() != 3) throw input_error(path, "expected a 3D mask (after dropping leading size-1 axes), got " + std::to_string(a.shape.size()) + " axes");
  if (a.fortran_order) throw input_error(path, "Fortran-ordered .npy masks are not supported");
  Domain d;
  d.grid.spacing_mm = layout.spacing_mm;
  const bool ijk = layout.axes == "ijk";
  d.grid.size = ijk ? std::array<int64_t, 3>{dims[0], dims[1], dims[2]} : std::array<int64_t, 3>{dims[2], dims[1], dims[0]};
  d.mask.assign(d.grid.count(), 0);
  for (int64_t k = 0; k < d.grid.size[2]; ++k)
    for (int64_t j = 0; j < d.grid.size[1]; ++j)
      for (int64_t i = 0; i < d.grid.size[0]; ++i) {
        // C order: the last array axis is fastest.
        const int64_t at = ijk ? (i * dims[1] + j) * dims[2] + k : (k * dims[1] + j) * dims[2] + i;
        const float v = a.data[at];
        if (!std::isfinite(v)) throw input_error(path, "mask holds NaN or inf");
        d.mask[d.grid.index(i, j, k)] = v > 0.5f;
      }
  return d;
}

}  // namespace

Domain read_mask(const std::string& path, const NpyLayout& layout) {
  if (ends_with(path, ".npy")) return from_npy(path, layout);
  const auto v = imageio::reorient(imageio::read_volume(path), "LPS");
  const auto& g = v.geometry;
  if (std::abs(g.spacing[0] - g.spacing[1]) > 1e-4 * g.spacing[0] || std::abs(g.spacing[0] - g.spacing[2]) > 1e-4 * g.spacing[0])
    throw input_error(path, "anisotropic voxels; resample the mask to isotropic spacing first");
  Domain d;
  d.grid.size = g.size;
  d.grid.spacing_mm = g.spacing[0];
  d.grid.origin_mm = g.origin;
  d.mask.resize(v.voxels.size());
  for (size_t n = 0; n < v.voxels.size(); ++n) d.mask[n] = v.voxels[n] > 0.5f;
  return d;
}

void write_mask_nifti(const Domain& d, const std::string& path) {
  imageio::Geometry g;
  g.size = d.grid.size;
  g.spacing = {d.grid.spacing_mm, d.grid.spacing_mm, d.grid.spacing_mm};
  g.origin = d.grid.origin_mm;
  auto v = imageio::make_volume(g);
  for (size_t n = 0; n < d.mask.size(); ++n) v.voxels[n] = d.mask[n];
  imageio::write_volume(v, path, imageio::PixelType::kUInt8);
}

}  // namespace labkit::aneumo_build
