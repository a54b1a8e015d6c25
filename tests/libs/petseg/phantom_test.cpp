// The PET phantom: the PSF blur against the analytic Gaussian, determinism, exact labels, SUV scale,
// Poisson counts, and spec validation.
#include <gtest/gtest.h>

#include <cmath>

#include "labkit/core/error.h"
#include "labkit/petseg/phantom.h"

namespace ps = labkit::petseg;
namespace img = labkit::imageio;

TEST(PetPhantom, BlurOfAPointHasTheAnalyticWidthAndKeepsTheSum) {
  img::Geometry g;
  g.size = {41, 41, 41};
  g.spacing = {1.0, 2.0, 1.5};  // anisotropic: the width is in mm, whatever the spacing
  auto v = img::make_volume(g, 0.0f);
  v.at(20, 20, 20) = 1000.0f;
  const double fwhm = 6.0, sigma = fwhm / (2 * std::sqrt(2 * std::log(2.0)));
  ps::gaussian_blur(v, fwhm);
  double sum = 0, m2[3] = {0, 0, 0};
  for (int64_t k = 0; k < 41; ++k)
    for (int64_t j = 0; j < 41; ++j)
      for (int64_t i = 0; i < 41; ++i) {
        const double x = v.at(i, j, k);
        sum += x;
        m2[0] += x * std::pow((i - 20) * g.spacing[0], 2);
        m2[1] += x * std::pow((j - 20) * g.spacing[1], 2);
        m2[2] += x * std::pow((k - 20) * g.spacing[2], 2);
      }
  EXPECT_NEAR(sum, 1000.0, 1e-2);
  // Discrete sampling of a Gaussian: the second moment is sigma^2 within a few percent for sigma >= spacing.
  for (int a = 0; a < 3; ++a) EXPECT_NEAR(std::sqrt(m2[a] / sum), sigma, 0.04 * sigma) << "axis " << a;
}

TEST(PetPhantom, DeterministicWithExactLabels) {
  ps::PhantomSpec s;
  s.size = {48, 36, 85};
  s.spacing = {4, 4, 4};
  const auto a = ps::make_pet_phantom(s, 9), b = ps::make_pet_phantom(s, 9), c = ps::make_pet_phantom(s, 10);
  EXPECT_EQ(a.pet.voxels, b.pet.voxels);
  EXPECT_EQ(a.labels.voxels, b.labels.voxels);
  EXPECT_NE(a.pet.voxels, c.pet.voxels);
  ASSERT_GE(static_cast<int>(a.lesions.size()), s.lesions_min);
  ASSERT_LE(static_cast<int>(a.lesions.size()), s.lesions_max);
  for (const auto& l : a.lesions) {
    int64_t n = 0;
    for (float x : a.labels.voxels) n += std::lround(x) == l.label;
    EXPECT_EQ(n, l.voxels) << "lesion " << l.label;
    EXPECT_GT(n, 0);
    EXPECT_GE(l.suv / l.background_suv, s.contrast_min - 1e-9);
    EXPECT_LE(l.suv / l.background_suv, s.contrast_max + 1e-9);
    EXPECT_TRUE(l.site == "liver" || l.site == "lung" || l.site == "soft_tissue") << l.site;
  }
}

TEST(PetPhantom, SuvScaleAndPoissonCounts) {
  ps::PhantomSpec s;
  s.size = {48, 36, 85};
  s.spacing = {4, 4, 4};
  s.psf_fwhm_mm = 0;
  s.counts_per_suv = 0;  // noise-free: exact uptake values
  const auto clean = ps::make_pet_phantom(s, 4);
  auto at_world = [](const img::Volume& v, std::array<double, 3> w) {
    auto ijk = img::world_to_index(v.geometry, w);
    return v.at(std::lround(ijk[0]), std::lround(ijk[1]), std::lround(ijk[2]));
  };
  // Air outside the body, brain hot (SUV 6-10), bladder hotter than soft tissue, lungs cold.
  EXPECT_EQ(at_world(clean.pet, {95, 70, 0}), 0.0f);
  const float brain = at_world(clean.pet, {0, 0, 120});
  EXPECT_GE(brain, 6.0f);
  EXPECT_LE(brain, 10.0f);
  EXPECT_GE(at_world(clean.pet, {0, -18, -140}), 8.0f);  // bladder
  const float tissue = at_world(clean.pet, {0, 50, -40});
  EXPECT_GE(tissue, 0.6f);
  EXPECT_LE(tissue, 1.0f);
  // With noise: counts are integers, so value * counts_per_suv is integral, and the mean is preserved.
  s.counts_per_suv = 20;
  const auto noisy = ps::make_pet_phantom(s, 4);
  double sum_clean = 0, sum_noisy = 0;
  for (size_t i = 0; i < noisy.pet.voxels.size(); ++i) {
    const double c = noisy.pet.voxels[i] * 20.0;
    ASSERT_NEAR(c, std::round(c), 1e-3);
    sum_clean += clean.pet.voxels[i], sum_noisy += noisy.pet.voxels[i];
  }
  EXPECT_NEAR(sum_noisy / sum_clean, 1.0, 0.01);
  EXPECT_EQ(noisy.labels.voxels, clean.labels.voxels);
}

TEST(PetPhantom, SpecErrorsNameTheKey) {
  EXPECT_THROW(ps::PhantomSpec::from_json({{"colour", 1}}), labkit::InputError);
  try {
    ps::PhantomSpec::from_json({{"lesions_min", 5}, {"lesions_max", 2}}, "config phantom");
    ADD_FAILURE();
  } catch (const labkit::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("config phantom"), std::string::npos);
  }
  const auto round = ps::PhantomSpec::from_json(ps::PhantomSpec{}.to_json());
  EXPECT_EQ(round.to_json(), ps::PhantomSpec{}.to_json());
}
