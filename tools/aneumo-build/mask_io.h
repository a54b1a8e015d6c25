// Masks on disk. NIfTI (and MetaImage/NRRD) through labkit::imageio with the grid's mm geometry (LPS
// world, as ITK; nibabel shows the same affine in RAS with x and y negated). The released Aneumo .npy
// (real_data/img_data/<id>.npy, float32 [1,1,X,Y,Z] in {0,1}) carries no geometry: its spacing is the
// 0.18 mm of the authors' preprocessing and its axes are MONAI's RAS i,j,k (C order, k fastest); both are
// config keys (npy.spacing_mm, npy.axes) so the assumption is explicit.
#pragma once

#include <string>

#include "grid.h"

namespace labkit::aneumo_build {

struct NpyLayout {
  double spacing_mm;
  std::string axes;  // "ijk": array axes are i, j, k (RAS); "kji": z, y, x
};

// .nii/.nii.gz/.mha/.nrrd (voxels > 0.5 are lumen; the image is reoriented to LPS; anisotropic spacing is
// refused) or .npy with `layout`. Throws InputError naming the file.
Domain read_mask(const std::string& path, const NpyLayout& layout);

// uint8 NIfTI (or any imageio format by extension), written atomically.
void write_mask_nifti(const Domain& d, const std::string& path);

}  // namespace labkit::aneumo_build
