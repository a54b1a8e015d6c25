#include "settings.h"

#include "labkit/core/error.h"
#include "labkit/core/settings.h"

namespace labkit::aneumo_build {

nlohmann::json default_config() {
  return {
      {"fluid", {{"density_kg_m3", 1050.0}, {"viscosity_pa_s", 0.00345}}},  // Aneumo's Newtonian blood
      {"flow_rates_kg_s", {0.001, 0.0015, 0.002, 0.0025, 0.003, 0.0035, 0.00375, 0.004}},  // Aneumo's 8
      {"spacing_mm", 0.25},
      {"solvers", {"lbm"}},
      {"shape",
       {{"kind", "aneurysm"},
        {"parent", "pipe"},
        {"diameter_mm", 3.0},
        {"length_mm", 15.0},
        {"bend_radius_mm", 6.0},
        {"bend_angle_deg", 90.0},
        {"branch_angle_deg", 35.0},
        {"neck_mm", 2.5},
        {"aspect_ratio", 1.2},
        {"sac_position", 0.5},
        {"sac_azimuth_deg", 0.0}}},
      {"lbm",
       {{"max_lattice_velocity", 0.1},
        {"tau_min", 0.502},
        {"tau_max", 2.0},
        {"max_mach", 0.3},
        {"collision", "regularised"},
        {"magic", 0.1875},
        {"inlet_profile", "parabolic"},
        {"max_steps", 200000},
        {"check_every", 100},
        {"tolerance", 1e-5},
        // A run that ends unconverged (an unsteady flow) writes the mean over the checks in this last
        // fraction of lbm.max_steps instead of its last snapshot (0: the snapshot).
        {"average_tail", 0.25}}},
      {"poiseuille",
       {{"diameter_mm", 3.0},
        {"length_mm", 18.0},
        {"mass_flow_kg_s", 0.002},
        {"cells_per_diameter", {6, 8, 12}},
        {"window", {0.25, 0.75}}}},
      {"openfoam",
       {{"cells_across", 12},
        {"cell_length_mm", 0.375},
        {"max_iterations", 3000},
        {"pipe_length_mm", 90.0},
        {"window", {0.667, 0.944}},
        {"p_tolerance", 1e-5},
        {"u_tolerance", 1e-7},
        {"ranks", 1}}},
      {"npy", {{"spacing_mm", 0.18}, {"axes", "ijk"}}},
      // case --surface: the grid spans the surface's bounds shrunk by these (mm; x-, x+, y-, y+, z-, z+).
      // Negative keeps a margin (a closed box); positive on a capped vessel end cuts its cap off, so the
      // opening lands on a grid face where the solvers look for inlets and outlets.
      {"surface", {{"clip_mm", {-0.5, -0.5, -0.5, -0.5, -0.5, -0.5}}}},
      // dataset: each generated sac is deformed with an amplitude drawn from [min, max] (Aneumo: [0.5, 1.0])
      {"deformation", {{"enabled", true}, {"amplitude_min", 0.5}, {"amplitude_max", 1.0}, {"band_mm", 0.75}}},
      {"bench", {{"cells_per_diameter", 16}, {"steps", 200}, {"copy_megabytes", 256}}},
  };
}

Settings Settings::from_config(const labkit::Config& c) {
  Settings s;
  s.fluid = {positive(c, "fluid.density_kg_m3"), positive(c, "fluid.viscosity_pa_s")};
  s.flow_rates_kg_s = numbers_in(c, "flow_rates_kg_s", -1e9, 1e9, 1);
  for (size_t i = 0; i < s.flow_rates_kg_s.size(); ++i)
    if (s.flow_rates_kg_s[i] <= 0)
      throw config_error("flow_rates_kg_s[" + std::to_string(i) + "]", "a mass flow rate must be > 0, got " + std::to_string(s.flow_rates_kg_s[i]));
  s.spacing_mm = number_in(c, "spacing_mm", 0.01, 5);
  s.solvers = c.get<std::vector<std::string>>("solvers");
  if (s.solvers.empty()) throw config_error("solvers", "name at least one of lbm, openfoam");
  for (size_t i = 0; i < s.solvers.size(); ++i)
    if (s.solvers[i] != "lbm" && s.solvers[i] != "openfoam")
      throw config_error("solvers[" + std::to_string(i) + "]", "must be lbm or openfoam, got '" + s.solvers[i] + "'");

  auto& sh = s.shape;
  sh.kind = one_of(c, "shape.kind", {"pipe", "curved", "bifurcation", "aneurysm"});
  sh.parent = one_of(c, "shape.parent", {"pipe", "curved"});
  sh.diameter_mm = number_in(c, "shape.diameter_mm", 0.5, 20);
  sh.length_mm = number_in(c, "shape.length_mm", 1, 200);
  sh.bend_radius_mm = number_in(c, "shape.bend_radius_mm", 1, 100);
  sh.bend_angle_deg = number_in(c, "shape.bend_angle_deg", 0, 120);
  sh.branch_angle_deg = number_in(c, "shape.branch_angle_deg", 10, 80);
  sh.neck_mm = number_in(c, "shape.neck_mm", 0.2, 20);
  sh.aspect_ratio = number_in(c, "shape.aspect_ratio", 0.2, 5);
  sh.sac_position = number_in(c, "shape.sac_position", 0.1, 0.9);
  sh.sac_azimuth_deg = number_in(c, "shape.sac_azimuth_deg", -360, 360);
  if (sh.bend_radius_mm < sh.diameter_mm) throw config_error("shape.bend_radius_mm", "must be at least shape.diameter_mm");

  auto& l = s.lbm;
  l.max_lattice_velocity = number_in(c, "lbm.max_lattice_velocity", 1e-4, 0.4);
  l.tau_min = number_in(c, "lbm.tau_min", 0.5, 1);
  l.tau_max = number_in(c, "lbm.tau_max", 0.6, 10);
  l.max_mach = number_in(c, "lbm.max_mach", 0.01, 0.6);
  l.collision = one_of(c, "lbm.collision", {"trt", "regularised"});
  l.magic = number_in(c, "lbm.magic", 1e-3, 1);
  l.inlet_profile = one_of(c, "lbm.inlet_profile", {"plug", "parabolic"});
  l.max_steps = int_in(c, "lbm.max_steps", 1, 100000000);
  l.check_every = int_in(c, "lbm.check_every", 1, 100000);
  l.tolerance = number_in(c, "lbm.tolerance", 1e-12, 1);
  l.average_tail = number_in(c, "lbm.average_tail", 0, 1);

  auto& p = s.poiseuille;
  p.diameter_mm = number_in(c, "poiseuille.diameter_mm", 0.5, 20);
  p.length_mm = number_in(c, "poiseuille.length_mm", 1, 500);
  p.mass_flow_kg_s = number_in(c, "poiseuille.mass_flow_kg_s", 1e-9, 1);
  p.cells_per_diameter = ints_in(c, "poiseuille.cells_per_diameter", 4, 128, 1);
  const auto w = numbers_in(c, "poiseuille.window", 0, 1, 2);
  if (w.size() != 2 || w[0] >= w[1]) throw config_error("poiseuille.window", "must be [lo, hi] with lo < hi");
  p.window_lo = w[0], p.window_hi = w[1];

  auto& o = s.openfoam;
  o.cells_across = int_in(c, "openfoam.cells_across", 4, 200);
  o.cell_length_mm = number_in(c, "openfoam.cell_length_mm", 0.01, 10);
  o.max_iterations = int_in(c, "openfoam.max_iterations", 1, 1000000);
  o.p_tolerance = number_in(c, "openfoam.p_tolerance", 1e-14, 1);
  o.u_tolerance = number_in(c, "openfoam.u_tolerance", 1e-14, 1);
  o.ranks = int_in(c, "openfoam.ranks", 1, 4096);
  s.openfoam_pipe_length_mm = number_in(c, "openfoam.pipe_length_mm", 1, 1000);
  s.openfoam_window = numbers_in(c, "openfoam.window", 0, 1, 2);
  if (s.openfoam_window.size() != 2 || s.openfoam_window[0] >= s.openfoam_window[1])
    throw config_error("openfoam.window", "must be [lo, hi] with lo < hi");

  s.npy = {number_in(c, "npy.spacing_mm", 1e-3, 10), one_of(c, "npy.axes", {"ijk", "kji"})};
  const auto clip = numbers_in(c, "surface.clip_mm", -1000, 1000, 6);
  if (clip.size() != 6) throw config_error("surface.clip_mm", "needs 6 numbers (x-, x+, y-, y+, z-, z+), got " + std::to_string(clip.size()));
  std::copy(clip.begin(), clip.end(), s.surface_clip_mm.begin());
  s.bench = {int_in(c, "bench.cells_per_diameter", 4, 256), int_in(c, "bench.steps", 1, 1000000),
             int_in(c, "bench.copy_megabytes", 1, 65536)};
  auto& df = s.deformation;
  df.enabled = c.get<bool>("deformation.enabled");
  df.amplitude_min = number_in(c, "deformation.amplitude_min", 0.5, 1.0);
  df.amplitude_max = number_in(c, "deformation.amplitude_max", 0.5, 1.0);
  if (df.amplitude_max < df.amplitude_min) throw config_error("deformation.amplitude_max", "must be >= deformation.amplitude_min");
  df.band_mm = number_in(c, "deformation.band_mm", 0.01, 20);
  return s;
}

}  // namespace labkit::aneumo_build
