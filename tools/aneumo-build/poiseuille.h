// Poiseuille flow in a straight circular pipe along z: the analytic reference and the measurements a
// solver's field is compared with (both solvers use the same analysis).
#pragma once

#include "lbm.h"

namespace labkit::aneumo_build {

struct PoiseuilleReference {
  double dpdx_pa_m;  // pressure gradient magnitude, 128 mu Q / (pi D^4)
  double wss_pa;     // 32 mu Q / (pi D^3)
  double mean_velocity_m_s;
  double reynolds;
};
PoiseuilleReference poiseuille_reference(double diameter_m, double mass_flow_kg_s, const Fluid& fluid);

struct PipeMeasurement {
  double dpdx_pa_m = 0;         // -slope of the slice-averaged pressure over the window
  double wss_pa = 0;            // mean |WSS| of wall points in the window
  double mass_imbalance = 0;    // |m_out - m_in| / m_in at the opening planes
  double worst_slice_flux_error = 0;  // max over window slices of |m_slice - m_prescribed| / m_prescribed
  int64_t wall_points = 0;
};

// Window: z in [lo, hi] (metres). Slices are the distinct z of the field's points (LBM nodes; OpenFOAM
// cells are binned to `slice_m`).
PipeMeasurement measure_pipe(const FlowField& f, double z_lo_m, double z_hi_m, double mass_flow_kg_s,
                             const Fluid& fluid, double slice_m);

}  // namespace labkit::aneumo_build
