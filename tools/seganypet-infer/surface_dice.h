// Normalized surface Dice (NSD) at a tolerance in mm between two binary masks on one grid: the fraction
// of surface voxels of either mask lying within the tolerance of the other mask's surface. Surface
// voxels are mask voxels with a 6-neighbour outside the mask (or on the grid border); distances are
// between voxel centres in mm, using the grid spacing. This is the voxel-count form; DeepMind's
// surface_distance (used upstream) weights surface elements by area, so values differ slightly.
#pragma once

#include "labkit/imageio/image.h"

namespace labkit::seganypet_infer {

// pred > 0.5 against gt == label. NaN when both are empty, 0 when exactly one is empty.
double surface_dice(const labkit::imageio::Volume& pred, const labkit::imageio::Volume& gt, int label, double tolerance_mm);

}  // namespace labkit::seganypet_infer
