// Seeded random non-rigid deformation of a saccular aneurysm (Aneumo re-introduces aneurysms on resected
// parents by "randomized non-rigid deformation with amplitude in [0.5, 1.0]" and a transition band; the
// basis is not public, so this one is ours):
//   x -> c + (x - c) * (1 + A * g(u) * w(h))   for points above the neck
// with c the neck centre, u the unit direction from c, h the height above the neck plane, A the amplitude,
// g a smooth random field on the sphere (K = 6 Gaussian bumps of random sign at random directions, width
// 0.5 rad, scaled so max |g| = 0.5: the sac's radial extent changes by at most +-A/2 in any direction), and
// w the transition band: 0 at the neck, rising smoothly (smoothstep) to 1 at h = band_mm, so the parent and
// the neck never move. The deformed mask is parent OR the warped sac, found by inverse mapping each voxel.
#pragma once

#include <cstdint>

#include "grid.h"

namespace labkit::aneumo_build {

struct DeformationSpec {
  double amplitude;  // A, in [0.5, 1.0] as Aneumo
  double band_mm;
  std::uint64_t seed;
};

struct DeformationResult {
  Domain mask;            // parent OR deformed sac (no signed distance: walls half-way for the LBM)
  int64_t clipped = 0;    // sac voxels removed because the warp pushed them onto the grid faces
};

// Throws InputError when the aneurysm has no sac over the parent.
DeformationResult deform_sac(const Domain& aneurysm, const Domain& parent, const DeformationSpec& spec);

}  // namespace labkit::aneumo_build
