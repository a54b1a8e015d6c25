// Exact Euclidean distance transform on an anisotropic 3D grid (Felzenszwalb & Huttenlocher's separable
// lower envelope of parabolas, one pass per axis, in float64). Used by the surface-distance metrics and
// by the RITM-style click sampler.
#pragma once

#include "grid.h"

namespace labkit::semisam_train {

// For every voxel the distance (in the grid's spacing units) to the nearest voxel where `site` is
// nonzero; +inf everywhere when there is no site.
std::vector<double> distance_to_sites(const Mask& site, const Grid3& g);

// Upstream's edt.edt(mask, black_border=True): for every voxel of `mask` the distance to the nearest
// voxel outside it, the space beyond the grid counting as outside; 0 outside the mask.
std::vector<double> distance_inside(const Mask& mask, const Grid3& g);

}  // namespace labkit::semisam_train
