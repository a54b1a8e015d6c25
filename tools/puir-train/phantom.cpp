#include "phantom.h"

#include <algorithm>
#include <cmath>

namespace labkit::puir_train {

namespace {

constexpr double kPi = 3.14159265358979323846;

struct Lesion {
  std::array<double, 3> centre{};  // mm from the grid centre
  double radius = 0;               // mm, of the edema
  std::array<double, 4> wobble{};  // shape irregularity
};

// Label of a point (mm from the grid centre) for one patient's shape parameters. The head is an
// ellipsoid whose normalised radius r is bumped by low-frequency sinusoids; layers from outside in:
// skin, fat, skull, CSF, cortical grey matter (folded), white matter, with two CSF ventricles.
struct Anatomy {
  std::array<double, 3> axes{};    // head semi-axes, mm
  std::array<double, 6> folds{};   // cortical folding amplitudes and phases
  double ventricle_scale = 1;
  bool has_lesion = false;
  Lesion lesion;

  uint8_t label(double x, double y, double z) const {
    using namespace tissues;
    const double r = std::sqrt(x * x / (axes[0] * axes[0]) + y * y / (axes[1] * axes[1]) + z * z / (axes[2] * axes[2]));
    const double theta = std::atan2(y, x), phi = std::atan2(z, std::hypot(x, y));
    const double fold = folds[0] * std::sin(7 * theta + folds[1]) * std::cos(5 * phi + folds[2]) +
                        folds[3] * std::sin(11 * theta + folds[4]) * std::sin(9 * phi + folds[5]);
    if (r > 1.0) return kBackground;
    if (r > 0.96) return kSkin;
    if (r > 0.92) return kFat;
    if (r > 0.87) return kSkull;
    if (r > 0.84 + fold * 0.5) return kCsfLabel;
    if (has_lesion) {
      const double dx = x - lesion.centre[0], dy = y - lesion.centre[1], dz = z - lesion.centre[2];
      const double d = std::sqrt(dx * dx + dy * dy + dz * dz);
      const double a = std::atan2(dy, dx), b = std::atan2(dz, std::hypot(dx, dy));
      const double rl = lesion.radius * (1 + lesion.wobble[0] * std::sin(3 * a + lesion.wobble[1]) +
                                         lesion.wobble[2] * std::cos(2 * b + lesion.wobble[3]));
      if (d < 0.35 * rl) return kNecrosis;
      if (d < 0.55 * rl) return kEnhancing;
      if (d < rl && r < 0.84) return kEdema;
    }
    // Two ventricles beside the midline.
    for (double side : {-1.0, 1.0}) {
      const double vx = (x - side * 0.12 * axes[0]) / (0.07 * axes[0] * ventricle_scale);
      const double vy = (y - 0.05 * axes[1]) / (0.28 * axes[1] * ventricle_scale);
      const double vz = (z - 0.1 * axes[2]) / (0.12 * axes[2] * ventricle_scale);
      if (vx * vx + vy * vy + vz * vz < 1) return kCsfLabel;
    }
    if (r > 0.70 + fold) return kGrey;
    return kWhite;
  }
};

Anatomy random_anatomy(const PhantomSettings& s, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> u(-1, 1), phase(0, 2 * kPi);
  Anatomy a;
  const double fov = std::min({s.size[0], s.size[1], s.size[2]}) * s.spacing_mm;
  const std::array<double, 3> shape{0.40, 0.46, 0.38};  // fractions of the field of view
  for (int i = 0; i < 3; ++i) a.axes[i] = fov * shape[i] * (1 + 0.07 * u(rng));
  a.folds = {0.035 * (1 + 0.3 * u(rng)), phase(rng), phase(rng), 0.02 * (1 + 0.3 * u(rng)), phase(rng), phase(rng)};
  a.ventricle_scale = 1 + 0.25 * u(rng);
  a.has_lesion = std::uniform_real_distribution<double>(0, 1)(rng) < s.lesion_probability;
  // Draw the lesion always (the random stream stays the same whether or not it is used).
  a.lesion.radius = (0.18 + 0.1 * (u(rng) + 1) / 2) * std::min({a.axes[0], a.axes[1], a.axes[2]});
  for (int i = 0; i < 3; ++i) a.lesion.centre[i] = 0.4 * a.axes[i] * u(rng);
  a.lesion.wobble = {0.15 * u(rng), phase(rng), 0.15 * u(rng), phase(rng)};
  return a;
}

}  // namespace

Patient make_patient(const PhantomSettings& s, std::mt19937_64& rng) {
  Patient p;
  p.geometry.size = s.size;
  p.geometry.spacing = {s.spacing_mm, s.spacing_mm, s.spacing_mm};
  const auto anatomy = random_anatomy(s, rng);
  p.lesion = anatomy.has_lesion;
  // Per-patient biology: relaxation times and PD vary by a few percent around the table.
  std::normal_distribution<double> jitter(0, 1);
  for (int t = 0; t < tissues::kCount; ++t) {
    p.table[t] = tissues::kTable[t];
    if (p.table[t].pd == 0) continue;
    p.table[t].t1 *= 1 + 0.05 * jitter(rng);
    p.table[t].t2 *= 1 + 0.05 * jitter(rng);
    p.table[t].pd *= 1 + 0.03 * jitter(rng);
  }
  const int64_t nx = s.size[0], ny = s.size[1], nz = s.size[2];
  p.labels.resize(static_cast<size_t>(nx * ny * nz));
  for (int64_t k = 0; k < nz; ++k)
    for (int64_t j = 0; j < ny; ++j)
      for (int64_t i = 0; i < nx; ++i)
        p.labels[static_cast<size_t>(i + nx * (j + ny * k))] =
            anatomy.label((i - (nx - 1) / 2.0) * s.spacing_mm, (j - (ny - 1) / 2.0) * s.spacing_mm,
                          (k - (nz - 1) / 2.0) * s.spacing_mm);
  return p;
}

std::vector<float> render_signal(const Patient& p, const std::string& modality) {
  const auto seq = sequence_for(modality);
  float level[tissues::kCount];
  for (int t = 0; t < tissues::kCount; ++t) {
    Tissue tissue = p.table[t];
    if (seq.contrast_agent && t == tissues::kEnhancing)
      tissue.t1 = relaxation_with_contrast(tissue.t1, tissues::kGadobutrolR1, tissues::kEnhancingConcentration);
    level[t] = static_cast<float>(seq.signal(tissue));
  }
  std::vector<float> out(p.labels.size());
  for (size_t v = 0; v < out.size(); ++v) out[v] = level[p.labels[v]];
  return out;
}

std::vector<float> bias_field(const imageio::Geometry& g, double strength, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> u(-strength, strength);
  std::vector<std::array<int, 4>> terms;  // (i, j, k, coefficient index)
  std::vector<double> c;
  for (int i = 0; i <= 3; ++i)
    for (int j = 0; i + j <= 3; ++j)
      for (int k = 0; i + j + k <= 3; ++k) terms.push_back({i, j, k, static_cast<int>(c.size())}), c.push_back(u(rng));
  auto scaled = [](int64_t v, int64_t n) { return n > 1 ? 2.0 * v / (n - 1) - 1.0 : 0.0; };
  std::vector<float> field(static_cast<size_t>(imageio::voxel_count(g)));
  size_t v = 0;
  for (int64_t z = 0; z < g.size[2]; ++z)
    for (int64_t y = 0; y < g.size[1]; ++y)
      for (int64_t x = 0; x < g.size[0]; ++x, ++v) {
        const double px = scaled(x, g.size[0]), py = scaled(y, g.size[1]), pz = scaled(z, g.size[2]);
        double s = 0;
        for (const auto& t : terms) s += c[t[3]] * std::pow(px, t[0]) * std::pow(py, t[1]) * std::pow(pz, t[2]);
        field[v] = static_cast<float>(std::exp(s));
      }
  return field;
}

imageio::Volume acquire(const Patient& p, const std::string& modality, const PhantomSettings& s, std::mt19937_64& rng) {
  const auto signal = render_signal(p, modality);
  const auto field = bias_field(p.geometry, s.bias_strength, rng);
  const auto seq = sequence_for(modality);
  const auto reference = modality == "t2w" ? tissues::kCsf : tissues::kTable[tissues::kWhite];
  const double scale = 1000.0;
  const double sigma = s.noise_percent / 100.0 * seq.signal(reference) * scale;
  imageio::Volume v = imageio::make_volume(p.geometry);
  for (size_t i = 0; i < signal.size(); ++i)
    v.voxels[i] = static_cast<float>(sigma > 0 ? rician(signal[i] * field[i] * scale, sigma, rng)
                                               : signal[i] * field[i] * scale);
  return v;
}

imageio::Volume segmentation(const Patient& p) {
  imageio::Volume v = imageio::make_volume(p.geometry);
  for (size_t i = 0; i < p.labels.size(); ++i) {
    const auto l = p.labels[i];
    v.voxels[i] = l == tissues::kNecrosis    ? tissues::kBratsNecrosis
                  : l == tissues::kEdema     ? tissues::kBratsEdema
                  : l == tissues::kEnhancing ? tissues::kBratsEnhancing
                                             : 0;
  }
  return v;
}

}  // namespace labkit::puir_train
