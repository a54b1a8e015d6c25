// Voxel grid geometry in ITK's LPS world convention, and the index <-> world maps. No ITK here.
#pragma once

#include <array>
#include <cstdint>
#include <string>

namespace labkit::imageio {

// A 3D grid: world = origin + direction * diag(spacing) * ijk, with ijk the voxel index (centres at
// integers). Direction is row-major 3x3 whose columns are the unit axis vectors, LPS world (as ITK).
struct Geometry {
  std::array<int64_t, 3> size{1, 1, 1};
  std::array<double, 3> spacing{1.0, 1.0, 1.0};
  std::array<double, 3> origin{0.0, 0.0, 0.0};
  std::array<double, 9> direction{1, 0, 0, 0, 1, 0, 0, 0, 1};
};

int64_t voxel_count(const Geometry& g);

// Continuous voxel index -> world (LPS, mm), and back.
std::array<double, 3> index_to_world(const Geometry& g, std::array<double, 3> ijk);
std::array<double, 3> world_to_index(const Geometry& g, std::array<double, 3> xyz);

// Same size, and spacing/origin/direction equal within tol (absolute, mm or direction cosines).
bool same_geometry(const Geometry& a, const Geometry& b, double tol = 1e-6);

// Three letters naming where each voxel axis points, closest world axis per column (each world axis
// used once): identity direction -> "LPS", nibabel's RAS+ identity affine -> "RAS". This is the
// "towards" convention of DICOM, nibabel's aff2axcodes and 3D Slicer. ITK's SpatialOrientation enums
// use the opposite ("from") letters: ITK's RAI is our "LPS".
std::string orientation_code(const Geometry& g);

}  // namespace labkit::imageio
