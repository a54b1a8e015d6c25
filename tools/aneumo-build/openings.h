// Inlet and outlets of a voxel domain: connected lumen patches on the faces of the grid (the vessel is
// cut by the box). Aneumo puts the inlet at the largest cross-section; so does this.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "grid.h"

namespace labkit::aneumo_build {

struct Opening {
  int axis = 0;           // 0, 1, 2: the face is normal to this grid axis
  int side = 0;           // -1: the face at index 0, +1: the face at index size-1
  std::vector<int64_t> voxels;  // linear indices of the lumen voxels on the face
  double area_mm2 = 0;
  std::array<double, 3> centroid_mm{0, 0, 0};
  std::array<double, 3> inward{0, 0, 0};  // unit normal pointing into the domain
  std::string name() const;  // "x-", "z+", ...
};

struct Openings {
  Opening inlet;
  std::vector<Opening> outlets;
};

// Patches smaller than `min_voxels` are ignored (a stray voxel touching a face). Throws
// InputError("<source>: ...") when the mask is empty or fewer than two openings are found.
Openings find_openings(const Domain& d, const std::string& source, int64_t min_voxels = 4);

}  // namespace labkit::aneumo_build
