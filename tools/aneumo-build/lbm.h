// D3Q19 lattice Boltzmann solver for steady flow in a voxel domain (the fast path that needs no mesh).
//
// Method (choices where the paper is silent are ours, documented in README.md):
//  - TRT collision (two relaxation times, magic parameter Lambda = 3/16 by default, which puts a half-way
//    bounce-back wall exactly mid-link for Poiseuille flow), He-Luo incompressible equilibrium, populations
//    stored in float32 shifted by their weights (f - w) so the small deviations keep their precision.
//  - Walls: linearly interpolated bounce-back (Bouzidi, Firdaouss & Lallemand 2001) with the wall fraction q
//    of each cut link taken from the domain's signed distance; with no distance (a mask read from a file)
//    q = 1/2, i.e. half-way bounce-back.
//  - Inlet: velocity bounce-back on the half-way plane beyond the inlet face with a prescribed profile
//    (plug, or parabolic in the distance to the inlet rim, which is Poiseuille's on a circle), scaled so the
//    mass injected per step equals the requested mass flow exactly.
//  - Outlets: anti-bounce-back at zero gauge pressure.
//  - Steady when the relative L2 change of velocity over `check_every` steps falls below `tolerance`.
//  - Fused pull stream-collide on two arrays; z-slabs split across threads.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "grid.h"
#include "openings.h"

namespace labkit::aneumo_build {

struct Fluid {
  double density_kg_m3;   // rho
  double viscosity_pa_s;  // mu (dynamic)
};

struct LbmSettings {
  double max_lattice_velocity;  // peak inlet velocity in lattice units: sets the time step
  double tau_min, tau_max;      // accepted relaxation times (stability / accuracy window)
  double max_mach;              // peak inlet velocity * sqrt(3) must stay below this
  std::string collision;        // trt | regularised
  double magic;                 // TRT Lambda
  std::string inlet_profile;    // plug | parabolic
  int64_t max_steps, check_every;
  double tolerance;
  double average_tail;  // unconverged: mean over the checks in this last fraction of max_steps (0: none)
};

// Lattice units of one solve, and the conversions to SI.
struct LbmUnits {
  double dx_m, dt_s, tau, nu_lattice, peak_velocity_lattice, mach;
  double velocity_scale() const { return dx_m / dt_s; }  // m/s per lattice velocity
};

// Checks stability before anything runs: throws InputError naming the setting (exit 2) when tau or the
// Mach number is outside the accepted window for this grid spacing and flow rate.
LbmUnits choose_units(const Domain& d, const Opening& inlet, double mass_flow_kg_s, const Fluid& fluid,
                      const LbmSettings& s);

// What every solver writes (SI units; coordinates in metres).
struct FlowField {
  std::vector<double> coords_m;       // [N,3] points (LBM: fluid nodes; OpenFOAM: cell centres)
  std::vector<double> velocity_m_s;   // [N,3]
  std::vector<double> pressure_pa;    // [N], gauge, outlet = 0
  std::vector<double> wall_coords_m;  // [M,3] wall points
  std::vector<double> wall_normal;    // [M,3] unit, into the lumen
  std::vector<double> wss_pa;         // [M,3] tangential wall traction (wall shear stress vector)
  double inlet_mass_flow_kg_s = 0, outlet_mass_flow_kg_s = 0;  // measured
  int64_t iterations = 0;
  bool converged = false;
  double final_change = 0;
  int64_t averaged_checks = 0;  // > 0: the fields are the mean of this many checks (an unconverged run)
  double seconds = 0;
  std::string solver;
};

struct LbmRunInfo {
  LbmUnits units;
  int64_t fluid_nodes = 0;
  double mlups = 0;  // million fluid-node updates per second
};

// Solves to the steady criterion (or max_steps; then converged = false). `progress(step)` is called every
// check interval. Threads: >= 1.
FlowField solve_lbm(const Domain& d, const Openings& openings, double mass_flow_kg_s, const Fluid& fluid,
                    const LbmSettings& s, int threads, LbmRunInfo* info = nullptr,
                    const std::function<void(int64_t step, double change)>& progress = {});

// Throughput only: `steps` time steps with no convergence checks (bench). MLUPS per wall-clock second,
// and per CPU second of the process (what a shared, oversubscribed machine still lets one measure).
struct Throughput {
  double mlups_wall, mlups_cpu;
};
// `reference_kernel` times the first, node-by-node kernel instead (the bench's before/after row).
Throughput lbm_throughput(const Domain& d, const Openings& openings, double mass_flow_kg_s, const Fluid& fluid,
                          const LbmSettings& s, int threads, int64_t steps, bool reference_kernel = false);

// Bytes a fluid-node update moves at least: 19 float32 read + 19 written + the node's type byte.
constexpr double kLbmBytesPerUpdate = 19 * 4 * 2 + 1;

}  // namespace labkit::aneumo_build
