// Sac morphometrics from voxel masks (the aneurysm and its parent vessel, same grid), in the VMTK /
// Raghavan et al. 2005 definitions: the sac is aneurysm minus parent; the neck is the sac's voxel
// interface with the parent; H is the largest distance of the sac from the neck plane; size is the
// largest distance from the neck centre; Dmax the largest sac diameter; AR = H / NW; BF = Dmax / NW;
// NSI = 1 - (18 pi)^(1/3) V^(2/3) / S and UI = 1 - V / V_hull from the smoothed marching-cubes surface of
// the sac (V_hull: the convex hull of its points).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "grid.h"

namespace labkit::aneumo_build {

struct Morphometrics {
  double size_mm = 0, neck_width_mm = 0, aspect_ratio = 0, height_mm = 0, dmax_mm = 0, volume_mm3 = 0,
         area_mm2 = 0, bottleneck_factor = 0, nsi = 0, hull_volume_mm3 = 0, ui = 0;
  int64_t sac_voxels = 0;
};

Morphometrics sac_morphometrics(const Domain& aneurysm, const Domain& parent);
nlohmann::json morphometrics_json(const Morphometrics& m);
// The problems that make a geometry impossible (NSI or UI < 0, AR or BF out of the physical range, no sac).
std::vector<std::string> morphometric_qc(const Morphometrics& m);

}  // namespace labkit::aneumo_build
