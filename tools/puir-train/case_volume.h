// One case in memory as the network sees it (upstream's transforms before the random ones): every
// modality read through labkit::imageio on one grid, z-scored over the whole volume (MONAI
// NormalizeIntensityd), cropped to the foreground of the first modality (z >= threshold,
// CropForegroundd) and that box grown, inside the volume, to at least the crop size. No torch.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "manifest.h"

namespace labkit::puir_train {

struct CaseVolume {
  std::string name;
  std::array<int64_t, 3> dims{};  // tensor order (z, y, x)
  std::vector<float> data;        // channels x z x y x x, x fastest
  int64_t voxels() const { return dims[0] * dims[1] * dims[2]; }
};

// InputError naming the case and the file: modalities on different grids, a NaN/inf voxel, an empty
// foreground (a constant volume: any other has voxels above its mean), or a volume smaller than `crop`
// along an axis.
CaseVolume load_case(const CaseFiles& files, int64_t crop, double foreground_threshold);

// z-score in place ((v - mean) / std over all voxels, population std); false for a constant volume.
bool z_score(std::vector<float>& v);

// The bounding box [lo, hi) per axis (tensor order) of voxels >= threshold of a (z, y, x) volume; false
// when none is.
bool foreground_box(const std::vector<float>& v, const std::array<int64_t, 3>& dims, double threshold,
                    std::array<int64_t, 3>& lo, std::array<int64_t, 3>& hi);

// [lo, hi) grown symmetrically to at least `size`, kept inside [0, n).
void grow_to(int64_t& lo, int64_t& hi, int64_t size, int64_t n);

}  // namespace labkit::puir_train
