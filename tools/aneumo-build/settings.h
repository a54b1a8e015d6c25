// aneumo-build settings, built from the resolved config (default_config() is the one source of defaults
// and the schema); every key checked, errors name the key.
#pragma once

#include <array>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "labkit/core/config.h"
#include "lbm.h"
#include "mask_io.h"
#include "shapes.h"

namespace labkit::aneumo_build {

struct PoiseuilleSettings {
  double diameter_mm, length_mm, mass_flow_kg_s;
  std::vector<int64_t> cells_per_diameter;  // the grid-convergence ladder
  double window_lo, window_hi;              // fraction of the length
};

struct OpenFoamSettings {
  int64_t cells_across;      // O-grid cells across the diameter (blockMesh pipe)
  double cell_length_mm;     // axial cell size
  int64_t max_iterations;
  double p_tolerance, u_tolerance;  // residualControl targets (Aneumo: p 1e-5, U 1e-9)
  int64_t ranks;
};

struct BenchSettings {
  int64_t cells_per_diameter, steps, copy_megabytes;
};

struct DeformationSettings {
  bool enabled;
  double amplitude_min, amplitude_max, band_mm;
};

struct Settings {
  Fluid fluid;
  std::vector<double> flow_rates_kg_s;
  double spacing_mm;
  ShapeSpec shape;
  LbmSettings lbm;
  PoiseuilleSettings poiseuille;
  OpenFoamSettings openfoam;
  NpyLayout npy;
  std::array<double, 6> surface_clip_mm{};  // case --surface: bounds shrunk by these (x-, x+, y-, y+, z-, z+)
  BenchSettings bench;
  DeformationSettings deformation;
  std::vector<std::string> solvers;  // lbm, openfoam
  double openfoam_pipe_length_mm;    // OpenFOAM's Poiseuille pipe: long enough for the plug inlet to develop
  std::vector<double> openfoam_window;

  static Settings from_config(const labkit::Config& c);
};

nlohmann::json default_config();

}  // namespace labkit::aneumo_build
