// SpherePhantom: a small PET-like phantom for tests and the demo: an elliptical body with background uptake, a hotter
// liver-like region, and spherical lesions (one label each), with multiplicative Gaussian noise.
// Anisotropic voxels and a non-identity direction exercise the resampling and orientation paths.
// The whole-body phantom with realistic uptake, PSF, Poisson noise and low-quality labels is
// labkit::petseg::make_pet_phantom (`seganypet-train phantoms`); this small one keeps the tests' fixed
// geometry (voxel clicks in them depend on it).
#pragma once

#include <cstdint>

#include "labkit/imageio/image.h"

namespace labkit::seganypet_infer {

struct SpherePhantom {
  labkit::imageio::Volume pet;     // SUV-like values
  labkit::imageio::Volume labels;  // 0 background, 1..n lesions
};

SpherePhantom make_sphere_phantom(uint64_t seed, int lesions = 3);

}  // namespace labkit::seganypet_infer
