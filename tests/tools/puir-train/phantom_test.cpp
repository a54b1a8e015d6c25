// puir-train's torch-free parts against independent references: MR signal equations at hand-computed
// values and limits, Rician statistics, the phantom's tissues and labels, the manifest reader's errors,
// the case loader's checks, and MSE/PSNR/SSIM against python3-skimage.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <random>

#include "case_volume.h"
#include "error_of.h"
#include "image_metrics.h"
#include "labkit/core/atomic_file.h"
#include "labkit/imageio/image.h"
#include "manifest.h"
#include "mr_signal.h"
#include "pet_ct.h"
#include "phantom.h"
#include "run_command.h"
#include "settings.h"

namespace pt = labkit::puir_train;
using labkit::test::error_of;

TEST(PuirSignal, SpinEchoAtHandComputedValues) {
  // BrainWeb white matter (T1 500, T2 70, PD 0.77), TR 500 / TE 15: 0.77 (1 - e^-1) e^(-15/70).
  EXPECT_NEAR(pt::spin_echo({500, 70, 0.77}, 500, 15), 0.39285071, 1e-7);
  // TR >> T1 and TE -> 0 leave the proton density; TE = T2 leaves PD/e.
  EXPECT_NEAR(pt::spin_echo({833, 83, 0.86}, 1e7, 0), 0.86, 1e-12);
  EXPECT_NEAR(pt::spin_echo({833, 83, 0.86}, 1e7, 83), 0.86 / std::exp(1.0), 1e-12);
}

TEST(PuirSignal, FlairNullsCsfAtTheDerivedInversionTime) {
  const pt::Tissue csf{2569, 329, 1.0};
  const double ti = pt::null_inversion_time(csf.t1, 9000);
  EXPECT_NEAR(ti, 1704.5, 0.1);  // reference puir.md: ~1704 at TR 9000
  EXPECT_NEAR(pt::inversion_recovery(csf, 9000, 120, ti), 0.0, 1e-12);
  EXPECT_NEAR(pt::null_inversion_time(csf.t1, 1e9), csf.t1 * std::log(2.0), 1e-9);  // TR >> T1: T1 ln 2
  // Away from the null, the magnitude formula at hand-computed TI 2000.
  EXPECT_NEAR(pt::inversion_recovery(csf, 9000, 120, 2000), 0.07771549, 1e-7);
  // The sequence the phantom uses for FLAIR nulls its CSF; white matter stays bright.
  const auto flair = pt::sequence_for("t2f");
  EXPECT_NEAR(flair.signal(csf), 0.0, 1e-12);
  EXPECT_GT(flair.signal({500, 70, 0.77}), 0.1);
  EXPECT_THROW(pt::sequence_for("pet"), std::invalid_argument);
}

TEST(PuirSignal, GadoliniumShortensT1AsTheReferenceExample) {
  EXPECT_NEAR(pt::relaxation_with_contrast(1500, 4.5, 0.5), 342.857, 1e-3);  // reference: T1 = 343
  EXPECT_DOUBLE_EQ(pt::relaxation_with_contrast(1500, 4.5, 0.0), 1500);
}

TEST(PuirSignal, RicianMagnitudeStatistics) {
  std::mt19937_64 rng(1);
  double sum = 0, sq = 0, high = 0;
  const int n = 200000;
  for (int i = 0; i < n; ++i) {
    const double m = pt::rician(0.0, 2.0, rng);
    sum += m, sq += m * m;
    high += pt::rician(50.0, 2.0, rng);
  }
  const double mean = sum / n;
  EXPECT_NEAR(mean, 2.0 * std::sqrt(M_PI / 2), 0.01);            // Rayleigh mean sigma sqrt(pi/2)
  EXPECT_NEAR(sq / n - mean * mean, (2 - M_PI / 2) * 4.0, 0.02);  // variance (2 - pi/2) sigma^2
  EXPECT_NEAR(high / n, std::sqrt(50.0 * 50.0 + 4.0), 0.02);      // high SNR: ~sqrt(A^2 + sigma^2)
}

namespace {

// The default phantom settings on an n^3 grid, every patient with a lesion.
pt::PhantomSettings lesion_settings(int64_t n, double spacing_mm) {
  auto s = pt::PhantomSettings::from_config(labkit::Config(pt::default_config()));
  s.size = {n, n, n};
  s.spacing_mm = spacing_mm;
  s.lesion_probability = 1.0;
  return s;
}

}  // namespace

TEST(PuirPhantom, ContrastsFollowTheTissues) {
  const auto s = lesion_settings(48, 3.5);
  std::mt19937_64 rng(5);
  const auto p = pt::make_patient(s, rng);
  ASSERT_TRUE(p.lesion);
  std::vector<int64_t> count(pt::tissues::kCount);
  for (auto l : p.labels) ++count[l];
  for (int t = 0; t < pt::tissues::kCount; ++t) EXPECT_GT(count[t], 0) << "tissue " << t;
  auto mean_of = [&](const std::vector<float>& v, int t) {
    double s = 0;
    for (size_t i = 0; i < v.size(); ++i) s += p.labels[i] == t ? v[i] : 0;
    return s / count[t];
  };
  const auto t1 = pt::render_signal(p, "t1n"), t1c = pt::render_signal(p, "t1c"), t2 = pt::render_signal(p, "t2w"),
             flair = pt::render_signal(p, "t2f");
  using namespace pt::tissues;
  EXPECT_GT(mean_of(t1, kWhite), mean_of(t1, kGrey));    // T1w: WM brighter than GM
  EXPECT_GT(mean_of(t1, kGrey), mean_of(t1, kCsfLabel));  // ... than CSF
  EXPECT_GT(mean_of(t2, kCsfLabel), mean_of(t2, kGrey));  // T2w: CSF brightest
  EXPECT_LT(mean_of(flair, kCsfLabel), 0.01 * mean_of(flair, kWhite) + 0.02);  // FLAIR: CSF nulled (jittered T1)
  EXPECT_GT(mean_of(flair, kEdema), mean_of(flair, kWhite));                  // edema bright on FLAIR
  EXPECT_GT(mean_of(t1c, kEnhancing), 1.5 * mean_of(t1, kEnhancing));          // the rim enhances
  EXPECT_NEAR(mean_of(t1c, kWhite), mean_of(t1, kWhite), 1e-9);                // nothing else changes
  EXPECT_EQ(mean_of(t1, kSkull), 0.0);
  const auto seg = pt::segmentation(p);
  for (size_t i = 0; i < p.labels.size(); ++i) {
    if (p.labels[i] == kEnhancing) { EXPECT_EQ(seg.voxels[i], 3.0f); }
  }
}

// PET and CT of the same anatomy: noise-free levels are the tissue tables; CT noise is N(0, sigma); PET
// counts are Poisson (mean = level, variance = level / counts at SUV 1) and the PSF conserves the activity
// of a head that sits inside the grid while lowering the cortex's peak.
TEST(PuirPhantom, PetAndCtOfTheSameAnatomy) {
  const auto s = lesion_settings(40, 5);
  std::mt19937_64 rng(8);
  const auto p = pt::make_patient(s, rng);
  using namespace pt::tissues;
  const auto suv = pt::pet_ct_level(p, "pet"), hu = pt::pet_ct_level(p, "ct");
  for (size_t i = 0; i < p.labels.size(); ++i) {
    if (p.labels[i] == kBackground) { EXPECT_EQ(hu[i], -1000.0f); }
    if (p.labels[i] == kSkull) { EXPECT_EQ(hu[i], 1000.0f); }
    if (p.labels[i] == kGrey) { EXPECT_EQ(suv[i], 7.5f); }
  }
  EXPECT_FALSE(pt::is_pet_or_ct("t1n"));
  // CT noise: residuals over the whole grid (64,000 draws): mean 0 +- 0.1, sigma 10 +- 2 %.
  const auto ct = pt::acquire_pet_ct(p, "ct", s, rng);
  double m = 0, m2 = 0;
  for (size_t i = 0; i < hu.size(); ++i) m += ct.voxels[i] - hu[i], m2 += std::pow(ct.voxels[i] - hu[i], 2);
  m /= hu.size(), m2 /= hu.size();
  EXPECT_NEAR(m, 0.0, 0.1);
  EXPECT_NEAR(std::sqrt(m2 - m * m), s.ct_noise_hu, 0.02 * s.ct_noise_hu);
  // PET without PSF: Poisson statistics over the grey-matter voxels.
  auto sharp = s;
  sharp.pet_fwhm_mm = 0;
  sharp.pet_counts_per_suv = 4;
  const auto pet = pt::acquire_pet_ct(p, "pet", sharp, rng);
  double g = 0, g2 = 0, n = 0;
  for (size_t i = 0; i < suv.size(); ++i)
    if (p.labels[i] == kGrey) g += pet.voxels[i], g2 += pet.voxels[i] * pet.voxels[i], ++n;
  g /= n, g2 /= n;
  EXPECT_NEAR(g, 7.5, 3 * std::sqrt(7.5 / 4 / n));
  EXPECT_NEAR((g2 - g * g) / (7.5 / 4), 1.0, 0.1);
  // PSF alone: activity conserved, the cortex's peak lowered.
  auto blurred = s;
  blurred.pet_counts_per_suv = 0;
  const auto psf = pt::acquire_pet_ct(p, "pet", blurred, rng);
  double before = 0, after = 0, peak = 0;
  for (size_t i = 0; i < suv.size(); ++i) before += suv[i], after += psf.voxels[i], peak = std::max<double>(peak, psf.voxels[i]);
  EXPECT_NEAR(after / before, 1.0, 1e-3);
  EXPECT_LT(peak, 9.5);
}

TEST(PuirPhantom, BiasFieldIsSmoothAndBounded) {
  labkit::imageio::Geometry g;
  g.size = {20, 20, 20};
  std::mt19937_64 rng(2);
  const auto f = pt::bias_field(g, 0.15, rng);
  // 20 coefficients of |c| <= 0.15 over |x|,|y|,|z| <= 1: |exponent| <= 3.
  for (float v : f) EXPECT_TRUE(v > std::exp(-3.0) && v < std::exp(3.0));
  EXPECT_LT(std::fabs(f[1] - f[0]), 0.1);
}

namespace {

std::string write_json(const std::string& path, const std::string& text) {
  labkit::write_file_atomically(path, text);
  return path;
}

}  // namespace

TEST(PuirManifest, DecathlonAndCasesFormsAndTheirErrors) {
  labkit::test::TempDir dir("puir-manifest");
  for (const char* f : {"a1.nii.gz", "a2.nii.gz", "b1.nii.gz", "b2.nii.gz"}) std::ofstream(dir / f) << "x";
  const std::vector<std::string> mods{"t1n", "t2w"};
  auto cases = pt::read_manifest(
      write_json(dir / "d.json", R"({"training": [{"t1n": "a1.nii.gz", "t2w": "a2.nii.gz"}],
                                     "validation": [{"name": "b", "t1n": "b1.nii.gz", "t2w": "b2.nii.gz", "seg": "b1.nii.gz"}]})"),
      mods);
  ASSERT_EQ(cases.size(), 2u);
  EXPECT_EQ(cases[0].name, "a1");
  EXPECT_EQ(cases[0].split, "train");
  EXPECT_EQ(cases[1].split, "val");
  EXPECT_EQ(cases[1].images[1], dir / "b2.nii.gz");
  EXPECT_EQ(cases[1].seg, dir / "b1.nii.gz");
  EXPECT_EQ(pt::read_manifest(write_json(dir / "c.json", R"({"cases": [{"t1n": "a1.nii.gz", "t2w": "a2.nii.gz",
                                                                        "split": "val"}]})"), mods)[0].split, "val");
  const auto missing = error_of([&] {
    pt::read_manifest(write_json(dir / "m.json", R"({"training": [{"name": "p7", "t1n": "a1.nii.gz"}]})"), mods);
  });
  EXPECT_NE(missing.find("m.json: case 0 (p7): missing the modality key \"t2w\""), std::string::npos) << missing;
  const auto absent = error_of([&] {
    pt::read_manifest(write_json(dir / "n.json", R"({"training": [{"t1n": "a1.nii.gz", "t2w": "zz.nii.gz"}]})"), mods);
  });
  EXPECT_NE(absent.find("zz.nii.gz does not exist"), std::string::npos) << absent;
  EXPECT_NE(error_of([&] { pt::read_manifest(write_json(dir / "e.json", R"({"training": []})"), mods); }).find("no cases"),
            std::string::npos);
  EXPECT_NE(error_of([&] { pt::read_manifest(write_json(dir / "s.json", R"({"cases": [{"t1n": 1}]})"), mods); })
                .find("split"),
            std::string::npos);
}

TEST(PuirCaseVolume, CropsTheForegroundAndRefusesBadCases) {
  labkit::test::TempDir dir("puir-case");
  labkit::imageio::Geometry g;
  g.size = {20, 18, 16};
  auto a = labkit::imageio::make_volume(g), b = labkit::imageio::make_volume(g);
  // 19 % foreground: the background's z-score, -sqrt(0.19 / 0.81), lies below -0.35.
  for (int64_t k = 2; k < 14; ++k)
    for (int64_t j = 3; j < 12; ++j)
      for (int64_t i = 4; i < 14; ++i) a.at(i, j, k) = 100, b.at(i, j, k) = 50 + i;
  labkit::imageio::write_volume(a, dir / "a.nii.gz");
  labkit::imageio::write_volume(b, dir / "b.nii.gz");
  pt::CaseFiles f{"p1", "train", {dir / "a.nii.gz", dir / "b.nii.gz"}, ""};
  const auto c = pt::load_case(f, 11, -0.35);
  // Foreground z 2..13 (12), y 3..11 (9, grown to 11: 2..12), x 4..13 (10, grown to 11: 4..14).
  EXPECT_EQ(c.dims, (std::array<int64_t, 3>{12, 11, 11}));
  EXPECT_EQ(c.data.size(), 2u * 12 * 11 * 11);
  EXPECT_LT(c.data[0], -0.35f);                       // (z 2, y 2, x 4) of a: background
  EXPECT_GT(c.data[(0 * 11 + 1) * 11 + 0], 0.0f);     // (z 2, y 3, x 4): foreground
  int64_t lo = 0, hi = 4;
  pt::grow_to(lo, hi, 7, 5);  // cannot grow past the volume: the whole axis
  EXPECT_EQ(lo, 0);
  EXPECT_EQ(hi, 5);
  auto big = error_of([&] { pt::load_case(f, 17, -0.35); });
  EXPECT_NE(big.find("a.nii.gz: case p1: the crop (17) is larger than the volume"), std::string::npos) << big;
  g.size = {20, 18, 15};
  labkit::imageio::write_volume(labkit::imageio::make_volume(g, 1), dir / "c.nii.gz");
  f.images[1] = dir / "c.nii.gz";
  auto grid = error_of([&] { pt::load_case(f, 6, -0.35); });
  EXPECT_NE(grid.find("c.nii.gz: case p1: not on the grid of"), std::string::npos) << grid;
  g.size = {20, 18, 16};
  labkit::imageio::write_volume(labkit::imageio::make_volume(g, 3), dir / "d.nii.gz");
  f.images = {dir / "d.nii.gz", dir / "a.nii.gz"};
  auto empty = error_of([&] { pt::load_case(f, 6, -0.35); });
  EXPECT_NE(empty.find("d.nii.gz: case p1: empty foreground"), std::string::npos) << empty;
}

TEST(PuirMetrics, MatchScikitImage) {
  // Two correlated volumes with an outlier-free structure; skimage 0.19 with data_range passed explicitly.
  const std::array<int64_t, 3> n{9, 11, 13};
  std::mt19937_64 rng(3);
  std::normal_distribution<float> noise(0, 0.3f);
  std::vector<float> a(n[0] * n[1] * n[2]), b(a.size());
  for (size_t i = 0; i < a.size(); ++i) {
    a[i] = std::sin(0.3f * i) + 0.01f * (i % 17);
    b[i] = 0.8f * a[i] + noise(rng);
  }
  labkit::test::TempDir dir("puir-skimage");
  std::ofstream(dir / "a.f32", std::ios::binary).write(reinterpret_cast<const char*>(a.data()), a.size() * 4);
  std::ofstream(dir / "b.f32", std::ios::binary).write(reinterpret_cast<const char*>(b.data()), b.size() * 4);
  const double range = pt::joint_data_range(a, b);
  const auto r = labkit::test::run_command(
      "/usr/bin/python3 -c \"import numpy as np, sys; from skimage.metrics import structural_similarity as s, "
      "peak_signal_noise_ratio as p, mean_squared_error as m; "
      "a = np.fromfile(sys.argv[1], np.float32).astype(np.float64).reshape(9, 11, 13); "
      "b = np.fromfile(sys.argv[2], np.float32).astype(np.float64).reshape(9, 11, 13); "
      "R = max(np.ptp(a), np.ptp(b)); print(repr(m(a, b)), repr(p(a, b, data_range=R)), repr(s(a, b, data_range=R)), repr(R))\" " +
      labkit::test::shell_quote(dir / "a.f32") + " " + labkit::test::shell_quote(dir / "b.f32"));
  if (r.exit_code != 0 && r.err.find("No module named 'skimage'") != std::string::npos) GTEST_SKIP() << "python3-skimage missing";
  ASSERT_EQ(r.exit_code, 0) << r.err;
  double mse = 0, psnr = 0, ssim = 0, rr = 0;
  ASSERT_EQ(std::sscanf(r.out.c_str(), "%lf %lf %lf %lf", &mse, &psnr, &ssim, &rr), 4) << r.out;
  EXPECT_NEAR(range, rr, 1e-6);
  EXPECT_NEAR(pt::mean_squared_error(a, b), mse, 1e-12);
  EXPECT_NEAR(pt::psnr(a, b, range), psnr, 1e-9);
  EXPECT_NEAR(pt::ssim(a, b, n, range), ssim, 1e-9);
  EXPECT_TRUE(std::isinf(pt::psnr(a, a, range)));
  EXPECT_NEAR(pt::ssim(a, a, n, range), 1.0, 1e-12);
  EXPECT_THROW(pt::ssim(a, b, {3, 11, 39}, range), std::invalid_argument);
}
