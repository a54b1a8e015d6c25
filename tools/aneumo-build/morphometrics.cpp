#include "morphometrics.h"

#include <fmt/format.h>

#include <cmath>

#include "surface.h"
#include "vec3.h"

namespace labkit::aneumo_build {

namespace {

double max_pair_distance(const std::vector<Vec3>& p) {
  double best = 0;
  // Quadratic, on a subsample for big sacs (a diameter is insensitive to it).
  const size_t step = std::max<size_t>(1, p.size() / 3000);
  for (size_t i = 0; i < p.size(); i += step)
    for (size_t j = i + step; j < p.size(); j += step) best = std::max(best, norm(sub(p[i], p[j])));
  return best;
}

}  // namespace

Morphometrics sac_morphometrics(const Domain& a, const Domain& parent) {
  const Grid& g = a.grid;
  Morphometrics m;
  std::vector<std::uint8_t> sac(a.mask.size(), 0);
  std::vector<Vec3> sac_pts, neck_pts;
  for (int64_t k = 0; k < g.size[2]; ++k)
    for (int64_t j = 0; j < g.size[1]; ++j)
      for (int64_t i = 0; i < g.size[0]; ++i) {
        const int64_t idx = g.index(i, j, k);
        if (!a.mask[idx] || parent.mask[idx]) continue;
        sac[idx] = 1;
        sac_pts.push_back(g.centre_mm(i, j, k));
        const int64_t nb[6][3] = {{i - 1, j, k}, {i + 1, j, k}, {i, j - 1, k}, {i, j + 1, k}, {i, j, k - 1}, {i, j, k + 1}};
        for (const auto& n : nb) {
          if (n[0] < 0 || n[1] < 0 || n[2] < 0 || n[0] >= g.size[0] || n[1] >= g.size[1] || n[2] >= g.size[2]) continue;
          if (parent.mask[g.index(n[0], n[1], n[2])]) {
            // The interface point half-way between the two voxel centres.
            const auto c = g.centre_mm(n[0], n[1], n[2]);
            neck_pts.push_back(scale(add(sac_pts.back(), c), 0.5));
          }
        }
      }
  m.sac_voxels = static_cast<int64_t>(sac_pts.size());
  if (sac_pts.empty() || neck_pts.size() < 3) return m;
  Vec3 centre{0, 0, 0}, sac_centre{0, 0, 0};
  for (const auto& p : neck_pts) centre = add(centre, scale(p, 1.0 / neck_pts.size()));
  for (const auto& p : sac_pts) sac_centre = add(sac_centre, scale(p, 1.0 / sac_pts.size()));
  // Neck plane normal: from the neck centre towards the sac centroid (the neck points lie on a curved
  // wall, so a least-squares plane would tilt with the parent's curvature).
  const Vec3 axis = normalised(sub(sac_centre, centre));
  m.neck_width_mm = max_pair_distance(neck_pts);
  for (const auto& p : sac_pts) {
    m.height_mm = std::max(m.height_mm, dot(sub(p, centre), axis) + 0.5 * g.spacing_mm);
    m.size_mm = std::max(m.size_mm, norm(sub(p, centre)) + 0.5 * g.spacing_mm);
  }
  m.dmax_mm = max_pair_distance(sac_pts) + g.spacing_mm;
  const SurfaceStats st = mask_surface(sac, g, 20, "");
  m.volume_mm3 = st.volume_mm3;
  m.area_mm2 = st.area_mm2;
  m.hull_volume_mm3 = st.hull_volume_mm3;
  m.ui = undulation_index(m.volume_mm3, m.hull_volume_mm3);
  m.aspect_ratio = m.neck_width_mm > 0 ? m.height_mm / m.neck_width_mm : 0;
  m.bottleneck_factor = m.neck_width_mm > 0 ? m.dmax_mm / m.neck_width_mm : 0;
  constexpr double kPi = 3.14159265358979323846;
  m.nsi = m.area_mm2 > 0 ? 1 - std::cbrt(18 * kPi) * std::pow(m.volume_mm3, 2.0 / 3) / m.area_mm2 : 0;
  return m;
}

nlohmann::json morphometrics_json(const Morphometrics& m) {
  return {{"size_mm", m.size_mm},       {"neck_width_mm", m.neck_width_mm}, {"aspect_ratio", m.aspect_ratio},
          {"height_mm", m.height_mm},   {"dmax_mm", m.dmax_mm},             {"volume_mm3", m.volume_mm3},
          {"area_mm2", m.area_mm2},     {"bottleneck_factor", m.bottleneck_factor}, {"nsi", m.nsi},
          {"hull_volume_mm3", m.hull_volume_mm3}, {"ui", m.ui}, {"sac_voxels", m.sac_voxels}};
}

std::vector<std::string> morphometric_qc(const Morphometrics& m) {
  std::vector<std::string> p;
  if (m.sac_voxels == 0) p.push_back("no sac: the aneurysm mask adds nothing to its parent");
  if (m.nsi < 0 || m.nsi >= 1) p.push_back(fmt::format("NSI {:.3f} outside [0, 1): a sac cannot be rounder than a sphere", m.nsi));
  // A hull holds its surface, so V <= V_hull: UI < 0 is impossible (the released MPs.csv has UI -1.64).
  if (m.ui < 0 || m.ui >= 1) p.push_back(fmt::format("UI {:.3f} outside [0, 1): a sac cannot hold more than its convex hull", m.ui));
  if (m.aspect_ratio < 0.2 || m.aspect_ratio > 5) p.push_back(fmt::format("aspect ratio {:.2f} outside [0.2, 5]", m.aspect_ratio));
  if (m.bottleneck_factor < 0.5 || m.bottleneck_factor > 4) p.push_back(fmt::format("bottleneck factor {:.2f} outside [0.5, 4]", m.bottleneck_factor));
  return p;
}

}  // namespace labkit::aneumo_build
