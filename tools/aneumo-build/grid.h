// The voxel domain every step shares: a binary lumen mask on an axis-aligned grid in millimetres, and,
// when the geometry is known analytically (the parametric generators), its signed distance at each voxel
// centre (negative inside the lumen). The LBM solver uses the distance to place walls between nodes
// (interpolated bounce-back); a mask read from a file has none and walls fall half-way between nodes.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace labkit::aneumo_build {

struct Grid {
  std::array<int64_t, 3> size{0, 0, 0};  // voxels along x, y, z; x fastest in memory
  double spacing_mm = 1.0;               // isotropic voxel edge
  std::array<double, 3> origin_mm{0, 0, 0};  // centre of voxel (0,0,0), world mm (LPS axes, as ITK)

  int64_t count() const { return size[0] * size[1] * size[2]; }
  int64_t index(int64_t i, int64_t j, int64_t k) const { return i + size[0] * (j + size[1] * k); }
  std::array<double, 3> centre_mm(int64_t i, int64_t j, int64_t k) const {
    return {origin_mm[0] + i * spacing_mm, origin_mm[1] + j * spacing_mm, origin_mm[2] + k * spacing_mm};
  }
};

struct Domain {
  Grid grid;
  std::vector<std::uint8_t> mask;  // 1 = lumen
  std::vector<float> sdf_mm;       // empty, or signed distance to the wall per voxel (negative inside)

  int64_t fluid_count() const;
  bool has_sdf() const { return !sdf_mm.empty(); }
};

// Dice overlap of two masks on the same grid (1 when both are empty).
double dice(const std::vector<std::uint8_t>& a, const std::vector<std::uint8_t>& b);

}  // namespace labkit::aneumo_build
