// A 3D voxel grid as semisam-train's metrics and click samplers see it: dims in tensor order (the last
// axis fastest in memory, as a contiguous (D, H, W) tensor and upstream's HDF5 arrays), and the voxel
// spacing per axis (1 = voxel units).
#pragma once

#include <array>
#include <cstdint>
#include <vector>

namespace labkit::semisam_train {

struct Grid3 {
  std::array<int64_t, 3> dims{0, 0, 0};
  std::array<double, 3> spacing{1.0, 1.0, 1.0};
  int64_t size() const { return dims[0] * dims[1] * dims[2]; }
  int64_t index(int64_t i, int64_t j, int64_t k) const { return (i * dims[1] + j) * dims[2] + k; }
};

using Mask = std::vector<uint8_t>;  // 0/1 per voxel of a Grid3

}  // namespace labkit::semisam_train
