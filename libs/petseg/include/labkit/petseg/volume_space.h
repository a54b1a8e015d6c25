// The model's view of an image: RAS orientation at the model spacing (1.5 mm), 128^3 crops with
// upstream's z-normalisation, and the way back to the image's own grid.
#pragma once

#include <torch/torch.h>

#include <array>
#include <string>

#include "labkit/imageio/image.h"

namespace labkit::petseg {

using Index3 = std::array<int64_t, 3>;

struct ModelSpace {
  ModelSpace() = default;
  ModelSpace(ModelSpace&&) = default;  // tensor views volume.voxels: moving keeps the buffer, copying would not
  ModelSpace& operator=(ModelSpace&&) = default;
  ModelSpace(const ModelSpace&) = delete;
  labkit::imageio::Geometry original;  // the input's grid, which every output keeps exactly
  labkit::imageio::Volume volume;      // reoriented to RAS and resampled to the model spacing
  torch::Tensor tensor;              // (I, J, K) float view of volume.voxels (i = dim 0, as torchio)
};

// Checks that an image read from `path` can go to model space at `spacing` mm: every voxel finite (NaN
// or inf in an image is bad input), voxel spacing finite and positive, and the resampled grid at most
// kMaxModelAxis voxels per axis and kMaxModelVoxels in all (a pixdim of 1e30 or spacing_mm 0.01 would
// otherwise ask for astronomically large grids). InputError "<path>: ..." naming the problem.
inline constexpr int64_t kMaxModelAxis = 4096;
inline constexpr int64_t kMaxModelVoxels = int64_t{1} << 30;
void check_for_model_space(const labkit::imageio::Volume& v, double spacing, const std::string& path);

// Reorient to RAS, resample (linear for images, nearest for label maps) to `spacing` mm isotropic.
ModelSpace to_model_space(const labkit::imageio::Volume& v, double spacing, bool label_map = false);

// Continuous voxel index of the original image -> continuous index in model space.
std::array<double, 3> original_to_model(const ModelSpace& m, const std::array<double, 3>& ijk);

struct Crop {
  Index3 start;       // model-space index of crop voxel (0, 0, 0); may be negative (zero padded)
  int64_t size = 0;
  labkit::imageio::Geometry geometry;  // the crop as a grid in world space
};

// A size^3 crop centred (voxel centre rounded) on a model-space index.
Crop crop_around(const ModelSpace& m, const std::array<double, 3>& center, int64_t size);
// The crop's voxels (zero outside the volume), (S, S, S) float.
torch::Tensor extract(const ModelSpace& m, const Crop& c);
// Upstream ZNormalization(masking_method = x > 0): mean and (unbiased) std over positive voxels,
// applied to every voxel. A crop without two positive voxels or with zero spread is only centred.
torch::Tensor z_normalise(const torch::Tensor& crop);

// A binary (S, S, S) crop mask -> the original image grid, nearest neighbour (0 outside the crop).
labkit::imageio::Volume crop_mask_to_original(const ModelSpace& m, const Crop& c, const torch::Tensor& mask);

}  // namespace labkit::petseg
