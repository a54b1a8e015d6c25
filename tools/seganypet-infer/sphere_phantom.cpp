#include "sphere_phantom.h"

#include <cmath>
#include <random>

namespace labkit::seganypet_infer {

namespace img = labkit::imageio;

SpherePhantom make_sphere_phantom(uint64_t seed, int lesions) {
  img::Geometry g;
  g.size = {80, 72, 48};
  g.spacing = {2.0, 2.5, 3.0};
  g.origin = {80.0, -90.0, -70.0};
  g.direction = {-1, 0, 0, 0, 1, 0, 0, 0, 1};  // x flipped: the file is not in the model's orientation
  SpherePhantom p{img::make_volume(g, 0.0f), img::make_volume(g, 0.0f)};
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::normal_distribution<double> n(0.0, 1.0);
  struct Sphere { double x, y, z, r, suv; };
  std::vector<Sphere> s;
  for (int l = 0; l < lesions; ++l)  // lesion centres in mm, inside the body, away from each other
    s.push_back({-40 + 80 * u(rng), -30 + 60 * u(rng), -40 + 80 * u(rng), 8 + 8 * u(rng), 5 + 4 * u(rng)});
  for (int64_t k = 0; k < g.size[2]; ++k)
    for (int64_t j = 0; j < g.size[1]; ++j)
      for (int64_t i = 0; i < g.size[0]; ++i) {
        auto w = img::index_to_world(g, {double(i), double(j), double(k)});
        double v = 0;
        if ((w[0] / 70) * (w[0] / 70) + (w[1] / 55) * (w[1] / 55) < 1.0) v = 1.0;  // body, SUV ~1
        if (v > 0 && (w[0] - 25) * (w[0] - 25) + (w[1] + 10) * (w[1] + 10) + (w[2] - 20) * (w[2] - 20) < 30 * 30)
          v = 2.0;  // liver-like
        int label = 0;
        for (size_t l = 0; l < s.size(); ++l) {
          const double d = std::sqrt((w[0] - s[l].x) * (w[0] - s[l].x) + (w[1] - s[l].y) * (w[1] - s[l].y) +
                                     (w[2] - s[l].z) * (w[2] - s[l].z));
          if (d < s[l].r) v = s[l].suv, label = static_cast<int>(l) + 1;
        }
        if (v > 0) v = std::max(0.0, v * (1 + 0.1 * n(rng)));
        p.pet.at(i, j, k) = static_cast<float>(v);
        p.labels.at(i, j, k) = static_cast<float>(label);
      }
  return p;
}

}  // namespace labkit::seganypet_infer
