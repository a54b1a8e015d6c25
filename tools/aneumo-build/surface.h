// Surfaces through VTK: a smoothed marching-cubes surface from a voxel mask (mm), its area and enclosed
// volume, and VTK XML / STL writers. A surface written from a mask that reaches the grid faces is closed
// by padding the mask with one empty layer (the openings are capped).
#pragma once

#include <string>

#include "grid.h"

class vtkPolyData;

namespace labkit::aneumo_build {

struct SurfaceStats {
  double area_mm2 = 0, volume_mm3 = 0;
  double hull_volume_mm3 = 0;  // volume of the convex hull of the surface's points
  int64_t triangles = 0;
  bool closed = false;
};

// Marching cubes at 0.5 on the padded mask, then windowed-sinc smoothing (`smoothing_iterations`, 0 =
// none). Writes `path` (.vtp or .stl by extension) when non-empty.
SurfaceStats mask_surface(const std::vector<std::uint8_t>& mask, const Grid& g, int smoothing_iterations,
                          const std::string& path);

// Volume of the convex hull of points [P,3] (mm): VTK's Delaunay tetrahedralisation (alpha 0 fills the
// hull), summed tetrahedron volumes. 0 for fewer than 4 points or coplanar ones.
double convex_hull_volume_mm3(const std::vector<double>& points);

// Raghavan et al. 2005: UI = 1 - V / V_hull; 0 for a convex sac, larger the more the surface folds in.
inline double undulation_index(double volume_mm3, double hull_volume_mm3) {
  return hull_volume_mm3 > 0 ? 1 - volume_mm3 / hull_volume_mm3 : 0;
}

}  // namespace labkit::aneumo_build
