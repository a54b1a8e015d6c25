// PET and CT renderings of the phantom anatomy, for heterogeneous modality pairs (issue 19: "PET/CT"):
// FDG PET as SUV per tissue, blurred by the scanner's point-spread function (labkit::petseg's Gaussian,
// FWHM in mm) with Poisson counting noise; non-contrast CT as Hounsfield units per tissue with Gaussian
// noise. Same patient, same grid as the MR modalities. No torch.
#pragma once

#include <random>
#include <string>

#include "labkit/imageio/image.h"
#include "phantom.h"
#include "settings.h"

namespace labkit::puir_train {

bool is_pet_or_ct(const std::string& modality);  // "pet" or "ct"

// Noise-free SUV (pet, before the PSF) or HU (ct) per voxel of the patient's tissue labels.
std::vector<float> pet_ct_level(const Patient& p, const std::string& modality);

// What the scanner records. PET: level -> PSF blur (phantom.pet_fwhm_mm) -> Poisson counts at
// phantom.pet_counts_per_suv expected counts per voxel and SUV 1, back on the SUV scale.
// CT: level + N(0, phantom.ct_noise_hu).
imageio::Volume acquire_pet_ct(const Patient& p, const std::string& modality, const PhantomSettings& s,
                               std::mt19937_64& rng);

}  // namespace labkit::puir_train
