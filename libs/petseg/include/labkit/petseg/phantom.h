// A whole-body-like PET phantom for tests, demos and training the default model: physiological uptake
// (brain, myocardium, blood pool, liver, kidneys, bladder, lungs, soft tissue) on an SUV scale, lesions
// of varied size, shape (rotated, sometimes lobulated ellipsoids) and contrast, the scanner's
// point-spread function (Gaussian, FWHM in mm) and Poisson counting noise. Labels are exact: one value
// per lesion (1..n), voxel centres inside the lesion. Seeded and deterministic for a given spec.
//
// The anatomy is defined in world millimetres (LPS, as ITK: +x patient left, +y posterior, +z head), so
// any grid (anisotropic spacing, flipped axes) samples the same body.
#pragma once

#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "labkit/imageio/image.h"

namespace labkit::petseg {

struct PhantomSpec {
  // Grid. The body (head to pelvis, ~20 x 15 x 34 cm at scale 1) is centred on the world origin.
  std::array<int64_t, 3> size{96, 72, 170};
  std::array<double, 3> spacing{2.0, 2.0, 2.0};
  std::array<double, 9> direction{1, 0, 0, 0, 1, 0, 0, 0, 1};
  // Lesions: count uniform in [lesions_min, lesions_max]; equivalent radius (mm) and contrast (lesion
  // SUV / local background SUV) log-uniform in their ranges.
  int lesions_min = 2, lesions_max = 5;
  double lesion_radius_min_mm = 5.0, lesion_radius_max_mm = 16.0;
  double contrast_min = 2.0, contrast_max = 8.0;
  // Scanner: PSF FWHM (mm) and expected counts per voxel at SUV 1 (Poisson; fewer counts = noisier).
  double psf_fwhm_mm = 6.0;
  double counts_per_suv = 30.0;

  // Fills a spec from JSON (keys as the fields above; "size"/"spacing" as 3-arrays). Unknown keys and
  // bad values are an InputError naming `what`.
  static PhantomSpec from_json(const nlohmann::json& j, const std::string& what = "phantom spec");
  nlohmann::json to_json() const;
};

struct LesionInfo {
  int label = 0;
  std::string site;                // "liver", "lung", "soft_tissue"
  std::array<double, 3> centre_mm{};
  double radius_mm = 0;            // equivalent-sphere radius of the drawn shape
  double suv = 0, background_suv = 0;
  int64_t voxels = 0;              // labelled voxels on the grid
};

struct Phantom {
  labkit::imageio::Volume pet;     // SUV (body weight), after PSF and noise
  labkit::imageio::Volume labels;  // 0 background, 1..n lesions (exact)
  std::vector<LesionInfo> lesions;
};

Phantom make_pet_phantom(const PhantomSpec& spec, uint64_t seed);

// A separable Gaussian blur with the given FWHM in mm (per-axis sigma from the spacing), zero outside.
void gaussian_blur(labkit::imageio::Volume& v, double fwhm_mm);

}  // namespace labkit::petseg
