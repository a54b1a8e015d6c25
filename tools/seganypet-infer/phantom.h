// A small PET-like phantom for tests and the demo: an elliptical body with background uptake, a hotter
// liver-like region, and spherical lesions (one label each), with multiplicative Gaussian noise.
// Anisotropic voxels and a non-identity direction exercise the resampling and orientation paths.
// seganypet-train (issue 6) brings the full phantom generator; this one only needs to be plausible.
#pragma once

#include <cstdint>

#include "labkit/imageio/image.h"

namespace seganypet {

struct Phantom {
  labkit::image::Volume pet;     // SUV-like values
  labkit::image::Volume labels;  // 0 background, 1..n lesions
};

Phantom make_phantom(uint64_t seed, int lesions = 3);

}  // namespace seganypet
