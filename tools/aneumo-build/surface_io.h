// Vessel surfaces from users: STL (ASCII or binary) or VTK XML PolyData (.vtp), millimetres, read through
// VTK's readers, checked closed and 2-manifold (every edge shared by exactly two triangles), and
// voxelised into a Domain: inside by ray parity along x, and the signed distance to the triangles near
// the wall (so the LBM gets interpolated bounce-back, as for the generated shapes).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "grid.h"

namespace labkit::aneumo_build {

struct TriangleSurface {
  std::vector<double> points;        // [P,3] mm
  std::vector<int64_t> triangles;    // [T,3] point indices
};

// Throws InputError naming the file: unknown extension, unreadable, no triangles, open or non-manifold
// (with the counts of boundary and non-manifold edges).
TriangleSurface read_surface(const std::string& path);

// Enclosed volume (divergence theorem); its sign says the orientation (positive: normals outwards).
double enclosed_volume_mm3(const TriangleSurface& s);

// Grid of `spacing_mm` over the surface's bounds shrunk by clip_mm = {x-, x+, y-, y+, z-, z+} (mm). A
// capped vessel clipped at its ends gets its openings on the grid faces, where the solvers look for them.
Domain voxelise_surface(const TriangleSurface& s, double spacing_mm, const std::array<double, 6>& clip_mm);

}  // namespace labkit::aneumo_build
