#include "synthetic.h"

#include <cmath>
#include <random>
#include <vector>

#include "labkit/core/settings.h"

namespace labkit::semisam_train {

namespace {

using Vec = std::array<double, 3>;

Vec add(Vec a, Vec b) { return {a[0] + b[0], a[1] + b[1], a[2] + b[2]}; }
Vec sub(Vec a, Vec b) { return {a[0] - b[0], a[1] - b[1], a[2] - b[2]}; }
Vec scale(Vec a, double s) { return {a[0] * s, a[1] * s, a[2] * s}; }
double dot(Vec a, Vec b) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; }
Vec unit(Vec a) { return scale(a, 1.0 / std::sqrt(dot(a, a))); }

struct Tube {
  Vec a, b;
  double radius;
};

// Distance from p to the segment ab.
double segment_distance(const Vec& p, const Tube& t) {
  const Vec ab = sub(t.b, t.a);
  const double u = std::clamp(dot(sub(p, t.a), ab) / dot(ab, ab), 0.0, 1.0);
  const Vec d = sub(p, add(t.a, scale(ab, u)));
  return std::sqrt(dot(d, d));
}

struct Anatomy {
  Vec centre, radii;
  std::array<Vec, 3> wave_dir;
  std::array<double, 3> wave_freq, wave_phase;
  std::vector<Tube> veins;
  Tube vessel;  // unlabeled
  std::array<double, 10> bias_coef, texture_phase;
};

Anatomy draw_anatomy(const SynthSpec& s, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> u(-1, 1);
  std::normal_distribution<double> n(0, 1);
  Anatomy an;
  Vec extent;
  for (int a = 0; a < 3; ++a) extent[a] = double(s.size[a]) * s.spacing[a];
  for (int a = 0; a < 3; ++a) {
    an.centre[a] = extent[a] * (0.5 + 0.06 * u(rng));
    an.radii[a] = extent[a] * (a == 2 ? 0.22 : 0.17) * (1 + 0.12 * u(rng));
  }
  for (int w = 0; w < 3; ++w) {
    an.wave_dir[w] = unit({n(rng), n(rng), n(rng)});
    an.wave_freq[w] = 2.0 + 2.0 * (u(rng) + 1);
    an.wave_phase[w] = 3.14159 * u(rng);
  }
  // Four veins leave the chamber backwards (-y) and sideways (+-x), two per side, each forking once.
  for (int side : {-1, 1})
    for (int level : {-1, 1}) {
      const Vec dir = unit({side * (0.8 + 0.2 * u(rng)), -0.7 + 0.2 * u(rng), 0.45 * level + 0.15 * u(rng)});
      const Vec start = add(an.centre, {dir[0] * an.radii[0] * 0.8, dir[1] * an.radii[1] * 0.8, dir[2] * an.radii[2] * 0.8});
      const double len = 0.22 * extent[0] * (1 + 0.2 * u(rng)), r = 0.035 * extent[0] * (1 + 0.15 * u(rng));
      const Vec fork = add(start, scale(dir, len));
      an.veins.push_back({start, fork, r});
      for (int b : {-1, 1}) {
        const Vec bdir = unit(add(dir, {0.0, 0.0, 0.6 * b + 0.2 * u(rng)}));
        an.veins.push_back({fork, add(fork, scale(bdir, len * 0.6)), r * 0.7});
      }
    }
  // The distractor: a straight bright tube in front of the chamber, along z.
  const double vx = an.centre[0] + an.radii[0] * 0.3 * u(rng), vy = an.centre[1] + an.radii[1] * 1.35;
  an.vessel = {{vx, vy, -1.0}, {vx + 0.1 * extent[0] * u(rng), vy, extent[2] + 1.0}, 0.05 * extent[0]};
  for (auto& c : an.bias_coef) c = u(rng);
  for (auto& p : an.texture_phase) p = 3.14159 * u(rng);
  return an;
}

bool in_chamber(const Anatomy& an, const Vec& p) {
  const Vec q = {(p[0] - an.centre[0]) / an.radii[0], (p[1] - an.centre[1]) / an.radii[1], (p[2] - an.centre[2]) / an.radii[2]};
  double wobble = 0;
  for (int w = 0; w < 3; ++w) wobble += std::sin(an.wave_freq[w] * dot(an.wave_dir[w], q) + an.wave_phase[w]);
  return std::sqrt(dot(q, q)) < 1.0 + 0.08 * wobble;
}

}  // namespace

nlohmann::json SynthSpec::defaults_json() {
  return {{"size", {64, 64, 48}}, {"spacing", {1.25, 1.25, 2.5}}, {"noise", 0.12}, {"bias", 0.35}};
}

SynthSpec SynthSpec::from_config(const labkit::Config& c) {
  SynthSpec s;
  const auto size = labkit::ints_in(c, "synth.size", 16, 512, 3);
  const auto spacing = labkit::numbers_in(c, "synth.spacing", 0.01, 100, 3);
  if (size.size() != 3 || spacing.size() != 3) throw labkit::config_error("synth.size", "size and spacing list 3 values");
  for (int a = 0; a < 3; ++a) s.size[a] = size[a], s.spacing[a] = spacing[a];
  s.noise = labkit::number_in(c, "synth.noise", 0, 10);
  s.bias = labkit::number_in(c, "synth.bias", 0, 3);
  return s;
}

SynthCase make_synthetic_case(const SynthSpec& s, uint64_t seed) {
  std::mt19937_64 rng(seed);
  const Anatomy an = draw_anatomy(s, rng);
  imageio::Geometry g;
  g.size = s.size;
  g.spacing = s.spacing;
  SynthCase out{imageio::make_volume(g), imageio::make_volume(g), 0};
  std::normal_distribution<double> n(0, 1);
  for (int64_t k = 0; k < s.size[2]; ++k)
    for (int64_t j = 0; j < s.size[1]; ++j)
      for (int64_t i = 0; i < s.size[0]; ++i) {
        const Vec p = {i * s.spacing[0], j * s.spacing[1], k * s.spacing[2]};
        bool organ = in_chamber(an, p);
        for (const auto& v : an.veins) organ = organ || segment_distance(p, v) < v.radius;
        const bool vessel = segment_distance(p, an.vessel) < an.vessel.radius;
        // Normalised coordinates in [-1, 1] for the smooth fields.
        const double x = 2 * double(i) / double(s.size[0] - 1) - 1, y = 2 * double(j) / double(s.size[1] - 1) - 1,
                     z = 2 * double(k) / double(s.size[2] - 1) - 1;
        const double texture = 0.05 * (std::sin(5 * x + an.texture_phase[0]) * std::sin(4 * y + an.texture_phase[1]) +
                                       std::sin(6 * z + an.texture_phase[2]) * std::cos(3 * x + an.texture_phase[3]));
        double signal = organ ? 1.0 : vessel ? 0.9 : 0.3 + texture;
        const auto& b = an.bias_coef;
        const double field = b[0] * x + b[1] * y + b[2] * z + 0.5 * (b[3] * x * x + b[4] * y * y + b[5] * z * z) +
                             0.5 * (b[6] * x * y + b[7] * y * z + b[8] * x * z);
        signal *= std::exp(s.bias * field / 2.0);
        const double re = signal + s.noise * n(rng), im = s.noise * n(rng);
        out.image.at(i, j, k) = static_cast<float>(std::sqrt(re * re + im * im));  // Rician magnitude
        out.label.at(i, j, k) = organ ? 1.0f : 0.0f;
        out.label_voxels += organ;
      }
  return out;
}

}  // namespace labkit::semisam_train
