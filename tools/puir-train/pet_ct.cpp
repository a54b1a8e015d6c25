#include "pet_ct.h"

#include <stdexcept>

#include "labkit/petseg/phantom.h"
#include "tissues.h"

namespace labkit::puir_train {
namespace {

// FDG SUV (body weight) per tissue, indicative adult values: cortex 6-9 and white matter 2.5-3.5 in
// normal brain FDG PET; high-grade glioma enhancing tumour above cortex, necrosis and CSF near blood-free
// background, edema hypometabolic (below white matter). Our choice within those ranges.
constexpr float kSuv[tissues::kCount] = {
    0.0f,   // background (air)
    0.3f,   // CSF
    7.5f,   // grey matter
    3.0f,   // white matter
    0.5f,   // fat
    0.9f,   // skin / muscle
    0.6f,   // skull
    2.0f,   // edema
    9.5f,   // enhancing tumour
    0.6f,   // necrosis
};

// Non-contrast CT, Hounsfield units: air -1000, CSF ~8, grey ~40, white ~28, fat ~-100, muscle ~45,
// cortical bone ~1000 (700-1900), vasogenic edema hypodense (~18), solid tumour ~35, necrosis ~15.
constexpr float kHu[tissues::kCount] = {-1000.0f, 8.0f, 40.0f, 28.0f, -100.0f, 45.0f, 1000.0f, 18.0f, 35.0f, 15.0f};

}  // namespace

bool is_pet_or_ct(const std::string& modality) { return modality == "pet" || modality == "ct"; }

std::vector<float> pet_ct_level(const Patient& p, const std::string& modality) {
  if (!is_pet_or_ct(modality)) throw std::invalid_argument("pet_ct_level: not pet or ct: " + modality);
  const float* table = modality == "pet" ? kSuv : kHu;
  std::vector<float> out(p.labels.size());
  for (size_t v = 0; v < out.size(); ++v) out[v] = table[p.labels[v]];
  return out;
}

imageio::Volume acquire_pet_ct(const Patient& p, const std::string& modality, const PhantomSettings& s,
                               std::mt19937_64& rng) {
  imageio::Volume v = imageio::make_volume(p.geometry);
  v.voxels = pet_ct_level(p, modality);
  if (modality == "ct") {
    std::normal_distribution<double> noise(0.0, s.ct_noise_hu);
    if (s.ct_noise_hu > 0)
      for (auto& x : v.voxels) x = static_cast<float>(x + noise(rng));
    return v;
  }
  if (s.pet_fwhm_mm > 0) petseg::gaussian_blur(v, s.pet_fwhm_mm);
  if (s.pet_counts_per_suv > 0)
    for (auto& x : v.voxels) {
      const double mean = static_cast<double>(x) * s.pet_counts_per_suv;
      x = mean > 0 ? static_cast<float>(std::poisson_distribution<int64_t>(mean)(rng) / s.pet_counts_per_suv) : 0.0f;
    }
  return v;
}

}  // namespace labkit::puir_train
