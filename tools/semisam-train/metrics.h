// Segmentation metrics in float64, as upstream's test_3D_util (medpy.metric.binary) computes them:
// Dice, Jaccard, HD95 and ASD. Surfaces are the voxels removed by one binary erosion with the
// 6-neighbourhood (the grid border counts as background); HD95 is the 95th percentile (linear
// interpolation) of both directed surface-distance sets pooled, ASD the mean distance from the
// prediction's surface to the reference's (medpy's asd, one-directional). Distances are in the grid's
// spacing units: voxel units with spacing 1 (upstream), mm with the image spacing (--spacing-aware).
// Largest connected component uses the 26-neighbourhood (skimage.measure.label's default in 3D).
#pragma once

#include "grid.h"

namespace labkit::semisam_train {

struct CaseMetrics {
  double dice = 0, jaccard = 0, hd95 = 0, asd = 0;
  // Upstream's convention: when the prediction or the reference is empty every metric is 0
  // (test_3D_util's calculate_metric_percase); `empty` marks those cases.
  bool empty = false;
};

CaseMetrics case_metrics(const Mask& pred, const Mask& ref, const Grid3& g);

// The surface voxels of a mask (the voxels one 6-neighbourhood erosion removes).
Mask surface(const Mask& m, const Grid3& g);

// Distances from every surface voxel of `from` to the surface of `to` (medpy __surface_distances).
std::vector<double> surface_distances(const Mask& from, const Mask& to, const Grid3& g);

// numpy.percentile with linear interpolation (q in [0, 100]); values are sorted in place.
double percentile(std::vector<double>& values, double q);

// Keeps the largest 26-connected component of `m` (ties: the one met first in memory order).
Mask largest_component(const Mask& m, const Grid3& g);

}  // namespace labkit::semisam_train
