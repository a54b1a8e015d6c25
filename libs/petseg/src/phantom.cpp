#include "labkit/petseg/phantom.h"

#include <algorithm>
#include <cmath>
#include <random>

#include "labkit/core/error.h"

namespace labkit::petseg {

namespace img = labkit::imageio;
using Vec3 = std::array<double, 3>;

namespace {

// A solid ellipsoid, possibly rotated: inside when |R^T (p - c) / r| < 1 (R's columns are its axes).
struct Ellipsoid {
  Vec3 c{}, r{1, 1, 1};
  std::array<double, 9> R{1, 0, 0, 0, 1, 0, 0, 0, 1};
  double level(const Vec3& p) const {  // < 1 inside
    const Vec3 d{p[0] - c[0], p[1] - c[1], p[2] - c[2]};
    double s = 0;
    for (int a = 0; a < 3; ++a) {
      const double u = (R[0 * 3 + a] * d[0] + R[1 * 3 + a] * d[1] + R[2 * 3 + a] * d[2]) / r[a];
      s += u * u;
    }
    return s;
  }
  bool inside(const Vec3& p) const { return level(p) < 1.0; }
};

// A uniformly random rotation (from a random unit quaternion).
std::array<double, 9> random_rotation(std::mt19937_64& rng) {
  std::normal_distribution<double> n(0.0, 1.0);
  double q[4], norm = 0;
  for (double& v : q) v = n(rng), norm += v * v;
  norm = std::sqrt(norm);
  for (double& v : q) v /= norm;
  const double w = q[0], x = q[1], y = q[2], z = q[3];
  return {1 - 2 * (y * y + z * z), 2 * (x * y - z * w),     2 * (x * z + y * w),
          2 * (x * y + z * w),     1 - 2 * (x * x + z * z), 2 * (y * z - x * w),
          2 * (x * z - y * w),     2 * (y * z + x * w),     1 - 2 * (x * x + y * y)};
}

// The body and its organs at one phantom's scale and uptake values.
struct Anatomy {
  double scale = 1.0;
  Ellipsoid head, brain, neck, lung_l, lung_r, heart, heart_cavity, liver, kidney_l, kidney_r, bladder;
  double torso_a = 85, torso_b = 60, torso_top = 40, torso_bottom = -168;
  double suv_tissue = 0.8, suv_brain = 8, suv_lung = 0.35, suv_myocardium = 4, suv_blood = 1.8, suv_liver = 2.3,
         suv_kidney = 3.5, suv_bladder = 15;

  bool in_torso(const Vec3& p) const {
    const double x = p[0] / (torso_a * scale), y = p[1] / (torso_b * scale);
    return x * x + y * y < 1.0 && p[2] < torso_top * scale && p[2] > torso_bottom * scale;
  }
  bool in_body(const Vec3& p) const { return in_torso(p) || head.inside(p) || neck.inside(p); }

  // Uptake (SUV) without lesions; later structures override earlier ones.
  double uptake(const Vec3& p, std::string* site = nullptr) const {
    std::string s = "air";
    double v = 0;
    if (in_body(p)) v = suv_tissue, s = "soft_tissue";
    if (lung_l.inside(p) || lung_r.inside(p)) v = suv_lung, s = "lung";
    if (liver.inside(p)) v = suv_liver, s = "liver";
    if (kidney_l.inside(p) || kidney_r.inside(p)) v = suv_kidney, s = "kidney";
    if (heart.inside(p)) v = heart_cavity.inside(p) ? suv_blood : suv_myocardium, s = "heart";
    if (bladder.inside(p)) v = suv_bladder, s = "bladder";
    if (brain.inside(p)) v = suv_brain, s = "brain";
    if (site) *site = s;
    return v;
  }
};

Ellipsoid ell(double s, Vec3 c, Vec3 r) {
  Ellipsoid e;
  for (int a = 0; a < 3; ++a) e.c[a] = c[a] * s, e.r[a] = r[a] * s;
  return e;
}

Anatomy make_anatomy(std::mt19937_64& rng) {
  std::uniform_real_distribution<double> u(0.0, 1.0);
  auto in = [&](double lo, double hi) { return lo + (hi - lo) * u(rng); };
  Anatomy a;
  const double s = a.scale = in(0.92, 1.06);
  a.head = ell(s, {0, 0, 118}, {58, 66, 56});
  a.brain = ell(s, {0, 0, 122}, {48, 56, 42});
  a.neck = ell(s, {0, 0, 58}, {32, 32, 30});
  a.lung_l = ell(s, {45, 2, -5}, {32, 40, 52});
  a.lung_r = ell(s, {-45, 2, -5}, {32, 40, 52});
  a.heart = ell(s, {15, -18, -20}, {33, 28, 30});
  a.heart_cavity = ell(s, {15, -18, -20}, {21, 17, 19});
  a.liver = ell(s, {-38, 2, -72}, {52, 44, 34});
  a.kidney_l = ell(s, {46, 34, -100}, {16, 14, 28});
  a.kidney_r = ell(s, {-46, 34, -104}, {16, 14, 28});
  a.bladder = ell(s, {0, -18, -150}, {28, 24, 16});
  a.suv_tissue = in(0.6, 1.0);
  a.suv_brain = in(6.0, 10.0);
  a.suv_lung = in(0.25, 0.45);
  a.suv_myocardium = in(2.0, 8.0);
  a.suv_blood = in(1.4, 2.2);
  a.suv_liver = in(1.8, 2.8);
  a.suv_kidney = in(2.5, 5.0);
  a.suv_bladder = in(8.0, 30.0);
  return a;
}

struct Lesion {
  std::vector<Ellipsoid> parts;  // a union: one ellipsoid, or two for a lobulated lesion
  double suv = 0;
  bool inside(const Vec3& p) const {
    for (const auto& e : parts)
      if (e.inside(p)) return true;
    return false;
  }
};

// Lesions placed by rejection sampling: the site's tissue at the centre, clear of hot organs and of
// each other, inside the body.
std::vector<Lesion> place_lesions(const PhantomSpec& spec, const Anatomy& a, std::mt19937_64& rng,
                                  std::vector<LesionInfo>& info) {
  std::uniform_real_distribution<double> u(0.0, 1.0);
  auto log_uniform = [&](double lo, double hi) { return lo * std::pow(hi / lo, u(rng)); };
  const int n = spec.lesions_min + static_cast<int>(u(rng) * (spec.lesions_max - spec.lesions_min + 1) * 0.999999);
  std::vector<Lesion> out;
  for (int l = 0; l < n; ++l) {
    for (int attempt = 0; attempt < 2000; ++attempt) {
      const double r = log_uniform(spec.lesion_radius_min_mm, spec.lesion_radius_max_mm);
      // Sites: liver, lungs or soft tissue of the torso, chosen by where a uniform torso point falls.
      const double s = a.scale;
      const Vec3 c{(-1 + 2 * u(rng)) * a.torso_a * s, (-1 + 2 * u(rng)) * a.torso_b * s,
                   a.torso_bottom * s + (a.torso_top - a.torso_bottom) * s * u(rng)};
      std::string site;
      const double bg = a.uptake(c, &site);
      if (site != "liver" && site != "lung" && site != "soft_tissue") continue;
      if (!a.in_torso(c)) continue;
      // Keep the whole lesion (plus a margin) inside the body and away from hot organs and other lesions.
      bool clear = true;
      const double margin = r * 1.4 + 4.0;
      for (int k = 0; k < 26 && clear; ++k) {
        const int dx = k % 3 - 1, dy = (k / 3) % 3 - 1, dz = k / 9 - 1;
        if (dx == 0 && dy == 0 && dz == 0) continue;
        const double norm = std::sqrt(double(dx * dx + dy * dy + dz * dz));
        const Vec3 p{c[0] + margin * dx / norm, c[1] + margin * dy / norm, c[2] + margin * dz / norm};
        std::string ps;
        a.uptake(p, &ps);
        if (ps == "air" || ps == "heart" || ps == "bladder" || ps == "brain" || ps == "kidney") clear = false;
      }
      for (const auto& o : info) {
        const double d = std::hypot(c[0] - o.centre_mm[0], c[1] - o.centre_mm[1], c[2] - o.centre_mm[2]);
        if (d < 1.4 * (r + o.radius_mm) + 6.0) clear = false;
      }
      if (!clear) continue;
      Lesion les;
      Ellipsoid e;
      e.c = c;
      // Axis ratios in [0.7, 1.3] with the product kept at 1 so r stays the equivalent radius.
      Vec3 f{0.7 + 0.6 * u(rng), 0.7 + 0.6 * u(rng), 0.7 + 0.6 * u(rng)};
      const double g = std::cbrt(f[0] * f[1] * f[2]);
      for (int k = 0; k < 3; ++k) e.r[k] = r * f[k] / g;
      e.R = random_rotation(rng);
      les.parts.push_back(e);
      if (u(rng) < 0.3) {  // lobulated: a second, smaller lobe on the surface
        std::normal_distribution<double> nd(0.0, 1.0);
        Vec3 d{nd(rng), nd(rng), nd(rng)};
        const double dn = std::sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
        Ellipsoid lobe;
        for (int k = 0; k < 3; ++k) lobe.c[k] = c[k] + 0.65 * r * d[k] / dn, lobe.r[k] = 0.6 * r;
        les.parts.push_back(lobe);
      }
      les.suv = bg * log_uniform(spec.contrast_min, spec.contrast_max);
      LesionInfo li;
      li.label = l + 1;
      li.site = site;
      li.centre_mm = c;
      li.radius_mm = r;
      li.suv = les.suv;
      li.background_suv = bg;
      info.push_back(li);
      out.push_back(les);
      break;
    }
  }
  return out;
}

void check_spec(const PhantomSpec& s, const std::string& what) {
  auto fail = [&](const std::string& p) { throw labkit::input_error(what, p); };
  for (int a = 0; a < 3; ++a) {
    if (s.size[a] < 4 || s.size[a] > 2048) fail("size entries must be in 4..2048");
    if (!(s.spacing[a] > 0) || s.spacing[a] > 20) fail("spacing entries must be in (0, 20] mm");
  }
  if (s.lesions_min < 0 || s.lesions_max < s.lesions_min || s.lesions_max > 50) fail("need 0 <= lesions_min <= lesions_max <= 50");
  if (!(s.lesion_radius_min_mm > 0) || s.lesion_radius_max_mm < s.lesion_radius_min_mm || s.lesion_radius_max_mm > 60)
    fail("need 0 < lesion_radius_min_mm <= lesion_radius_max_mm <= 60");
  if (!(s.contrast_min >= 1) || s.contrast_max < s.contrast_min) fail("need 1 <= contrast_min <= contrast_max");
  if (!(s.psf_fwhm_mm >= 0)) fail("psf_fwhm_mm must be >= 0");
  if (!(s.counts_per_suv >= 0)) fail("counts_per_suv must be >= 0 (0 = no noise)");
}

}  // namespace

void gaussian_blur(img::Volume& v, double fwhm_mm) {
  if (fwhm_mm <= 0) return;
  const auto& g = v.geometry;
  const double sigma_mm = fwhm_mm / (2.0 * std::sqrt(2.0 * std::log(2.0)));
  std::vector<float> line;
  for (int axis = 0; axis < 3; ++axis) {
    const double sigma = sigma_mm / g.spacing[axis];
    const int radius = static_cast<int>(std::ceil(3.0 * sigma));
    if (radius < 1) continue;
    std::vector<double> w(2 * radius + 1);
    double sum = 0;
    for (int t = -radius; t <= radius; ++t) sum += w[t + radius] = std::exp(-0.5 * t * t / (sigma * sigma));
    for (double& x : w) x /= sum;
    const int64_t n = g.size[axis];
    const int64_t stride = axis == 0 ? 1 : axis == 1 ? g.size[0] : g.size[0] * g.size[1];
    line.resize(n);
    const int64_t lines = voxel_count(g) / n;
    for (int64_t li = 0; li < lines; ++li) {
      // The first voxel of line li: enumerate the two other axes.
      int64_t base;
      if (axis == 0) base = li * g.size[0];
      else if (axis == 1) base = (li / g.size[0]) * g.size[0] * g.size[1] + li % g.size[0];
      else base = li;
      for (int64_t t = 0; t < n; ++t) line[t] = v.voxels[base + t * stride];
      for (int64_t t = 0; t < n; ++t) {
        double acc = 0;
        for (int k = -radius; k <= radius; ++k) {
          const int64_t s = t + k;
          if (s >= 0 && s < n) acc += w[k + radius] * line[s];
        }
        v.voxels[base + t * stride] = static_cast<float>(acc);
      }
    }
  }
}

Phantom make_pet_phantom(const PhantomSpec& spec, uint64_t seed) {
  check_spec(spec, "phantom spec");
  std::mt19937_64 rng(seed);
  const Anatomy anatomy = make_anatomy(rng);
  Phantom p;
  img::Geometry g;
  g.size = spec.size;
  g.spacing = spec.spacing;
  g.direction = spec.direction;
  g.origin = {0, 0, 0};
  // Centre the grid on the world origin whatever the direction.
  const auto centre = img::index_to_world(g, {0.5 * (g.size[0] - 1), 0.5 * (g.size[1] - 1), 0.5 * (g.size[2] - 1)});
  for (int a = 0; a < 3; ++a) g.origin[a] = -centre[a];
  p.pet = img::make_volume(g, 0.0f);
  p.labels = img::make_volume(g, 0.0f);
  const auto lesions = place_lesions(spec, anatomy, rng, p.lesions);
  for (int64_t k = 0; k < g.size[2]; ++k)
    for (int64_t j = 0; j < g.size[1]; ++j)
      for (int64_t i = 0; i < g.size[0]; ++i) {
        const Vec3 w = img::index_to_world(g, {double(i), double(j), double(k)});
        double v = anatomy.uptake(w);
        for (size_t l = 0; l < lesions.size(); ++l)
          if (lesions[l].inside(w)) {
            v = lesions[l].suv;
            p.labels.at(i, j, k) = static_cast<float>(l + 1);
            ++p.lesions[l].voxels;
          }
        p.pet.at(i, j, k) = static_cast<float>(v);
      }
  gaussian_blur(p.pet, spec.psf_fwhm_mm);
  if (spec.counts_per_suv > 0) {
    std::mt19937_64 noise_rng(seed ^ 0x9e3779b97f4a7c15ULL);
    for (float& x : p.pet.voxels) {
      const double mean = std::max(0.0, double(x)) * spec.counts_per_suv;
      x = mean > 0 ? static_cast<float>(std::poisson_distribution<int64_t>(mean)(noise_rng) / spec.counts_per_suv) : 0.0f;
    }
  }
  return p;
}

PhantomSpec PhantomSpec::from_json(const nlohmann::json& j, const std::string& what) {
  if (!j.is_object()) throw labkit::input_error(what, "expected a JSON object");
  PhantomSpec s;
  try {
    for (auto it = j.begin(); it != j.end(); ++it) {
      const auto& k = it.key();
      const auto& v = it.value();
      if (k == "size") s.size = v.get<std::array<int64_t, 3>>();
      else if (k == "spacing") s.spacing = v.get<std::array<double, 3>>();
      else if (k == "direction") s.direction = v.get<std::array<double, 9>>();
      else if (k == "lesions_min") s.lesions_min = v.get<int>();
      else if (k == "lesions_max") s.lesions_max = v.get<int>();
      else if (k == "lesion_radius_min_mm") s.lesion_radius_min_mm = v.get<double>();
      else if (k == "lesion_radius_max_mm") s.lesion_radius_max_mm = v.get<double>();
      else if (k == "contrast_min") s.contrast_min = v.get<double>();
      else if (k == "contrast_max") s.contrast_max = v.get<double>();
      else if (k == "psf_fwhm_mm") s.psf_fwhm_mm = v.get<double>();
      else if (k == "counts_per_suv") s.counts_per_suv = v.get<double>();
      else throw labkit::input_error(what, "unknown key '" + k + "'");
    }
  } catch (const nlohmann::json::exception& e) {
    throw labkit::input_error(what, std::string("bad value: ") + e.what());
  }
  check_spec(s, what);
  return s;
}

nlohmann::json PhantomSpec::to_json() const {
  return {{"size", size},
          {"spacing", spacing},
          {"direction", direction},
          {"lesions_min", lesions_min},
          {"lesions_max", lesions_max},
          {"lesion_radius_min_mm", lesion_radius_min_mm},
          {"lesion_radius_max_mm", lesion_radius_max_mm},
          {"contrast_min", contrast_min},
          {"contrast_max", contrast_max},
          {"psf_fwhm_mm", psf_fwhm_mm},
          {"counts_per_suv", counts_per_suv}};
}

}  // namespace labkit::petseg
