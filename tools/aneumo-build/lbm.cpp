#include "lbm.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <cmath>
#include <stdexcept>

#include "labkit/core/error.h"
#include "lbm_lattice.h"
#include "slab_pool.h"

namespace labkit::aneumo_build {

using d3q19::kC;
using d3q19::kQ;
using d3q19::kW;

LbmUnits choose_units(const Domain& d, const Opening& inlet, double mass_flow_kg_s, const Fluid& fluid,
                      const LbmSettings& s) {
  LbmUnits u{};
  u.dx_m = d.grid.spacing_mm * 1e-3;
  const double nu = fluid.viscosity_pa_s / fluid.density_kg_m3;
  const double mean = mass_flow_kg_s / fluid.density_kg_m3 / (inlet.area_mm2 * 1e-6);
  const double peak = s.inlet_profile == "parabolic" ? 2 * mean : mean;  // Poiseuille on a circle: 2x
  u.peak_velocity_lattice = s.max_lattice_velocity;
  u.dt_s = s.max_lattice_velocity * u.dx_m / peak;
  u.nu_lattice = nu * u.dt_s / (u.dx_m * u.dx_m);
  u.tau = 0.5 + 3 * u.nu_lattice;
  u.mach = s.max_lattice_velocity * std::sqrt(3.0);
  const std::string where = fmt::format("at spacing {} mm and {} kg/s", d.grid.spacing_mm, mass_flow_kg_s);
  if (u.mach > s.max_mach)
    throw InputError(fmt::format("config lbm.max_lattice_velocity: Mach number {:.3f} exceeds lbm.max_mach {}", u.mach, s.max_mach));
  if (u.tau < s.tau_min)
    throw InputError(fmt::format("config lbm.max_lattice_velocity: relaxation time tau = {:.5f} {} is below lbm.tau_min {} "
                                 "(unstable); raise the lattice velocity or refine the grid (the inlet {} is {:.3f} mm^2, "
                                 "a mean inlet velocity of {:.2f} m/s: if that is far above the flow's, the inlet found "
                                 "is not the vessel's)",
                                 u.tau, where, s.tau_min, inlet.name(), inlet.area_mm2, mean));
  if (u.tau > s.tau_max)
    throw InputError(fmt::format("config lbm.max_lattice_velocity: relaxation time tau = {:.4f} {} is above lbm.tau_max {} "
                                 "(inaccurate walls); lower the lattice velocity or coarsen the grid",
                                 u.tau, where, s.tau_max));
  return u;
}

namespace {

Relaxation relaxation(const LbmUnits& u, const LbmSettings& s) {
  Relaxation r{static_cast<float>(1 / u.tau), static_cast<float>(1 / (0.5 + s.magic / (u.tau - 0.5)))};
  r.regularised = s.collision == "regularised";
  return r;
}

struct Solver {
  Lattice lat;
  std::vector<float> a, b;
  Relaxation r;
  SlabPool pool;
  NodeRecord rec;
  std::vector<int64_t> share;

  Solver(Lattice l, Relaxation rr, int threads) : lat(std::move(l)), r(rr), pool(threads), share(segment_shares(lat, pool.size())) {
    a.assign(kQ * lat.cells, 0.f);
    b.assign(kQ * lat.cells, 0.f);
    const size_t F = lat.fluid.size();
    rec.rho.assign(F, 0.f);
    rec.u.assign(3 * F, 0.f);
    rec.pi_neq.assign(6 * F, 0.f);
  }
  // Threads take contiguous shares of equal fluid count (z-slabs, since cells are k-major).
  bool reference_kernel = false;
  void step(bool record) {
    if (reference_kernel) {
      const int64_t F = static_cast<int64_t>(lat.fluid.size()), P = pool.size();
      pool.run([&](int p) { lbm_step_reference(lat, a.data(), b.data(), r, F * p / P, F * (p + 1) / P, record ? &rec : nullptr); });
    } else {
      pool.run([&](int p) { lbm_step(lat, a.data(), b.data(), r, share[p], share[p + 1], record ? &rec : nullptr); });
    }
    a.swap(b);
  }
};

// Trilinear interpolation of the recorded stress at a lattice point, over fluid corners only.
bool stress_at(const Lattice& lat, const std::vector<int32_t>& fluid_index, const NodeRecord& rec,
               const double p[3], double out[6]) {
  const int64_t i0 = static_cast<int64_t>(std::floor(p[0])), j0 = static_cast<int64_t>(std::floor(p[1])),
                k0 = static_cast<int64_t>(std::floor(p[2]));
  double wsum = 0;
  for (int m = 0; m < 6; ++m) out[m] = 0;
  for (int c = 0; c < 8; ++c) {
    const int64_t i = i0 + (c & 1), j = j0 + ((c >> 1) & 1), k = k0 + ((c >> 2) & 1);
    if (i < -1 || j < -1 || k < -1 || i > lat.n[0] - 2 || j > lat.n[1] - 2 || k > lat.n[2] - 2) continue;
    const int32_t f = fluid_index[lat.padded(i, j, k)];
    if (f < 0) continue;
    const double w = (1 - std::abs(p[0] - i)) * (1 - std::abs(p[1] - j)) * (1 - std::abs(p[2] - k));
    if (w <= 0) continue;
    for (int m = 0; m < 6; ++m) out[m] += w * rec.pi_neq[6 * f + m];
    wsum += w;
  }
  if (wsum < 0.25) return false;
  for (int m = 0; m < 6; ++m) out[m] /= wsum;
  return true;
}

// The unit normal into the lumen and the node's distance to the wall (lattice units).
void wall_geometry(const Domain& d, const Lattice& lat, const BoundaryNode& b, double n[3], double& dist) {
  const auto ijk = lat.grid_ijk(b.node);
  const Grid& g = d.grid;
  if (d.has_sdf()) {
    for (int a = 0; a < 3; ++a) {
      auto lo = ijk, hi = ijk;
      lo[a] = std::max<int64_t>(0, lo[a] - 1);
      hi[a] = std::min<int64_t>(g.size[a] - 1, hi[a] + 1);
      n[a] = -(d.sdf_mm[g.index(hi[0], hi[1], hi[2])] - d.sdf_mm[g.index(lo[0], lo[1], lo[2])]) / double(hi[a] - lo[a]);
    }
    dist = std::max(0.0, -double(d.sdf_mm[g.index(ijk[0], ijk[1], ijk[2])]) / g.spacing_mm);
  } else {
    n[0] = n[1] = n[2] = 0;
    for (int i = 1; i < kQ; ++i)
      if (lat.type[b.node - lat.offset[i]] == kSolid)
        for (int a = 0; a < 3; ++a) n[a] += kW[i] * kC[i][a];
    dist = 0.5;
  }
  const double len = std::sqrt(n[0] * n[0] + n[1] * n[1] + n[2] * n[2]);
  for (int a = 0; a < 3; ++a) n[a] = len > 0 ? n[a] / len : 0;
}

// Wall shear stress per wall-adjacent node: the viscous stress -(1 - omega+/2) Pi_neq, extrapolated
// linearly along the normal from the node and one lattice unit further in, to the wall.
void wall_shear(const Domain& d, const Solver& s, const LbmUnits& u, const Fluid& fluid, FlowField& out) {
  const Lattice& lat = s.lat;
  const std::vector<int32_t>& fluid_index = lat.fluid_index;
  const double stress_scale = -(1 - 0.5 * s.r.omega_plus) * fluid.density_kg_m3 * std::pow(u.velocity_scale(), 2);
  for (const auto& b : lat.boundary) {
    bool wall = false;
    for (int i = 1; i < kQ; ++i) wall |= lat.type[b.node - lat.offset[i]] == kSolid;
    if (!wall) continue;
    double n[3], dist;
    wall_geometry(d, lat, b, n, dist);
    const auto ijk = lat.grid_ijk(b.node);
    const int32_t f = fluid_index[b.node];
    double s1[6], s2[6];
    for (int m = 0; m < 6; ++m) s1[m] = s.rec.pi_neq[6 * f + m];
    const double p2[3] = {ijk[0] + n[0], ijk[1] + n[1], ijk[2] + n[2]};
    if (stress_at(lat, fluid_index, s.rec, p2, s2))
      for (int m = 0; m < 6; ++m) s1[m] += dist * (s1[m] - s2[m]);
    const double S[3][3] = {{s1[0], s1[3], s1[4]}, {s1[3], s1[1], s1[5]}, {s1[4], s1[5], s1[2]}};
    double t[3];
    for (int a = 0; a < 3; ++a) t[a] = stress_scale * (S[a][0] * n[0] + S[a][1] * n[1] + S[a][2] * n[2]);
    const double tn = t[0] * n[0] + t[1] * n[1] + t[2] * n[2];
    const auto c = d.grid.centre_mm(ijk[0], ijk[1], ijk[2]);
    for (int a = 0; a < 3; ++a) {
      out.wall_coords_m.push_back((c[a] - n[a] * dist * d.grid.spacing_mm) * 1e-3);
      out.wall_normal.push_back(n[a]);
      out.wss_pa.push_back(t[a] - tn * n[a]);
    }
  }
}

FlowField collect(const Domain& d, const Solver& s, const LbmUnits& u, const Fluid& fluid) {
  FlowField out;
  out.solver = "lbm";
  const Lattice& lat = s.lat;
  const double vs = u.velocity_scale(), ps = fluid.density_kg_m3 * vs * vs / 3;
  for (size_t f = 0; f < lat.fluid.size(); ++f) {
    const auto ijk = lat.grid_ijk(lat.fluid[f]);
    const auto c = d.grid.centre_mm(ijk[0], ijk[1], ijk[2]);
    for (int a = 0; a < 3; ++a) {
      out.coords_m.push_back(c[a] * 1e-3);
      out.velocity_m_s.push_back(s.rec.u[3 * f + a] * vs);
    }
    out.pressure_pa.push_back(s.rec.rho[f] * ps);
  }
  const std::vector<int32_t>& fluid_index = lat.fluid_index;
  const double flux = fluid.density_kg_m3 * u.dx_m * u.dx_m * vs;
  for (int64_t c : lat.inlet_nodes) {
    const int32_t f = fluid_index[c];
    for (int a = 0; a < 3; ++a) out.inlet_mass_flow_kg_s += flux * s.rec.u[3 * f + a] * lat.inlet_inward[a];
  }
  for (size_t n = 0; n < lat.outlet_nodes.size(); ++n) {
    const int32_t f = fluid_index[lat.outlet_nodes[n]];
    for (int a = 0; a < 3; ++a) out.outlet_mass_flow_kg_s -= flux * s.rec.u[3 * f + a] * lat.outlet_inward[n][a];
  }
  wall_shear(d, s, u, fluid, out);
  return out;
}

double process_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

constexpr int64_t ramp_crossings = 4;
float ramp(int64_t step, int64_t ramp_steps) {
  if (step >= ramp_steps) return 1.f;
  const double s = std::sin(0.5 * 3.14159265358979 * double(step) / ramp_steps);
  return static_cast<float>(s * s);
}

double relative_change(const std::vector<float>& now, std::vector<float>& before) {
  double diff = 0, norm = 0;
  for (size_t i = 0; i < now.size(); ++i) {
    diff += double(now[i] - before[i]) * (now[i] - before[i]);
    norm += double(now[i]) * now[i];
  }
  before = now;
  if (!std::isfinite(diff) || !std::isfinite(norm)) return INFINITY;
  return norm > 0 ? std::sqrt(diff / norm) : (diff > 0 ? INFINITY : 0.0);
}

}  // namespace

FlowField solve_lbm(const Domain& d, const Openings& o, double mass_flow_kg_s, const Fluid& fluid,
                    const LbmSettings& s, int threads, LbmRunInfo* info,
                    const std::function<void(int64_t, double)>& progress) {
  const LbmUnits u = choose_units(d, o.inlet, mass_flow_kg_s, fluid, s);
  const double lattice_flux = mass_flow_kg_s / fluid.density_kg_m3 * u.dt_s / std::pow(u.dx_m, 3);
  Solver solver(build_lattice(d, o, s.inlet_profile == "parabolic", lattice_flux), relaxation(u, s), threads);
  std::vector<float> previous(solver.rec.u.size(), 0.f);
  // Ramp over the time sound needs to cross the domain a few times.
  const int64_t ramp_steps = ramp_crossings * static_cast<int64_t>(std::sqrt(3.0) * *std::max_element(d.grid.size.begin(), d.grid.size.end()));
  const auto t0 = std::chrono::steady_clock::now();
  int64_t step = 0;
  double change = INFINITY;
  bool converged = false;
  // Running sums of the recorded fields over the tail, for a run that does not settle.
  const int64_t tail_from = s.max_steps - static_cast<int64_t>(s.average_tail * s.max_steps);
  std::vector<double> sum_rho, sum_u, sum_pi;
  int64_t samples = 0;
  while (step < s.max_steps && !converged) {
    const bool check = (step + 1) % s.check_every == 0;
    solver.r.inlet_scale = ramp(step, ramp_steps);
    solver.step(check);
    ++step;
    if (!check) continue;
    change = relative_change(solver.rec.u, previous);
    if (std::isnan(change)) change = INFINITY;
    if (!std::isfinite(change) || std::abs(solver.rec.u[0]) > 1)
      throw std::runtime_error(fmt::format("LBM diverged at step {} (tau {:.5f}); lower lbm.max_lattice_velocity", step, u.tau));
    if (progress) progress(step, change);
    converged = step >= 2 * s.check_every && change < s.tolerance;
    if (!converged && s.average_tail > 0 && step > tail_from) {
      auto add = [](std::vector<double>& sum, const std::vector<float>& v) {
        sum.resize(v.size(), 0.0);
        for (size_t n = 0; n < v.size(); ++n) sum[n] += v[n];
      };
      add(sum_rho, solver.rec.rho), add(sum_u, solver.rec.u), add(sum_pi, solver.rec.pi_neq);
      ++samples;
    }
  }
  if (step % s.check_every != 0) solver.step(true), ++step;
  if (!converged && samples > 0) {
    // The mean fields: every output (velocity, pressure, Pi_neq and so WSS, the mass flows) is linear in
    // the recorded moments, so averaging them averages the outputs.
    auto mean = [samples](const std::vector<double>& sum, std::vector<float>& out) {
      for (size_t n = 0; n < sum.size(); ++n) out[n] = static_cast<float>(sum[n] / samples);
    };
    mean(sum_rho, solver.rec.rho), mean(sum_u, solver.rec.u), mean(sum_pi, solver.rec.pi_neq);
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  FlowField out = collect(d, solver, u, fluid);
  out.iterations = step;
  out.converged = converged;
  out.final_change = change;
  out.averaged_checks = converged ? 0 : samples;
  out.seconds = seconds;
  if (info) {
    info->units = u;
    info->fluid_nodes = static_cast<int64_t>(solver.lat.fluid.size());
    info->mlups = seconds > 0 ? info->fluid_nodes * double(step) / seconds / 1e6 : 0;
  }
  return out;
}

Throughput lbm_throughput(const Domain& d, const Openings& o, double mass_flow_kg_s, const Fluid& fluid,
                          const LbmSettings& s, int threads, int64_t steps, bool reference_kernel) {
  const LbmUnits u = choose_units(d, o.inlet, mass_flow_kg_s, fluid, s);
  const double lattice_flux = mass_flow_kg_s / fluid.density_kg_m3 * u.dt_s / std::pow(u.dx_m, 3);
  Solver solver(build_lattice(d, o, s.inlet_profile == "parabolic", lattice_flux), relaxation(u, s), threads);
  solver.reference_kernel = reference_kernel;
  solver.step(false);  // first touch
  const auto t0 = std::chrono::steady_clock::now();
  const double c0 = process_cpu_seconds();
  for (int64_t n = 0; n < steps; ++n) solver.step(false);
  const double cpu = process_cpu_seconds() - c0;
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double updates = solver.lat.fluid.size() * double(steps) / 1e6;
  return {updates / seconds, updates / cpu};
}

}  // namespace labkit::aneumo_build
