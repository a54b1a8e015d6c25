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
  int64_t triangles = 0;
  bool closed = false;
};

// Marching cubes at 0.5 on the padded mask, then windowed-sinc smoothing (`smoothing_iterations`, 0 =
// none). Writes `path` (.vtp or .stl by extension) when non-empty.
SurfaceStats mask_surface(const std::vector<std::uint8_t>& mask, const Grid& g, int smoothing_iterations,
                          const std::string& path);

}  // namespace labkit::aneumo_build
