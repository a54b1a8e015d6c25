#include "poiseuille.h"

#include <cmath>
#include <algorithm>
#include <map>

namespace labkit::aneumo_build {

PoiseuilleReference poiseuille_reference(double D, double mdot, const Fluid& fl) {
  constexpr double kPi = 3.14159265358979323846;
  const double Q = mdot / fl.density_kg_m3, mu = fl.viscosity_pa_s;
  return {128 * mu * Q / (kPi * std::pow(D, 4)), 32 * mu * Q / (kPi * std::pow(D, 3)), Q / (kPi * D * D / 4),
          4 * mdot / (kPi * D * mu)};
}

PipeMeasurement measure_pipe(const FlowField& f, double lo, double hi, double mdot, const Fluid& fl, double slice_m) {
  PipeMeasurement m;
  // Slice means of pressure and (for equal-area voxel slices) the mass flux through each slice.
  struct Slice {
    double p = 0, uz = 0;
    int64_t n = 0;
  };
  std::map<int64_t, Slice> slices;
  const size_t N = f.pressure_pa.size();
  double z0 = INFINITY;  // slice keys relative to the first point: z / slice_m may sit on .5
  for (size_t i = 0; i < N; ++i) z0 = std::min(z0, f.coords_m[3 * i + 2]);
  for (size_t i = 0; i < N; ++i) {
    const double z = f.coords_m[3 * i + 2];
    if (z < lo || z > hi) continue;
    auto& s = slices[std::llround((z - z0) / slice_m)];
    s.p += f.pressure_pa[i];
    s.uz += f.velocity_m_s[3 * i + 2];
    ++s.n;
  }
  double sz = 0, sp = 0, szz = 0, szp = 0;
  int64_t k = 0;
  for (const auto& [key, s] : slices) {
    const double z = z0 + key * slice_m, p = s.p / s.n;
    sz += z, sp += p, szz += z * z, szp += z * p;
    ++k;
    // Voxel slices: each node stands for slice_m^2 of the cross-section.
    const double flux = fl.density_kg_m3 * s.uz * slice_m * slice_m;
    m.worst_slice_flux_error = std::max(m.worst_slice_flux_error, std::abs(flux - mdot) / mdot);
  }
  if (k >= 2) m.dpdx_pa_m = -(k * szp - sz * sp) / (k * szz - sz * sz);
  double wss = 0;
  for (size_t i = 0; i < f.wss_pa.size() / 3; ++i) {
    const double z = f.wall_coords_m[3 * i + 2];
    if (z < lo || z > hi) continue;
    wss += std::sqrt(f.wss_pa[3 * i] * f.wss_pa[3 * i] + f.wss_pa[3 * i + 1] * f.wss_pa[3 * i + 1] +
                     f.wss_pa[3 * i + 2] * f.wss_pa[3 * i + 2]);
    ++m.wall_points;
  }
  m.wss_pa = m.wall_points ? wss / m.wall_points : 0;
  m.mass_imbalance = f.inlet_mass_flow_kg_s > 0
                         ? std::abs(f.outlet_mass_flow_kg_s - f.inlet_mass_flow_kg_s) / f.inlet_mass_flow_kg_s
                         : 1.0;
  return m;
}

}  // namespace labkit::aneumo_build
