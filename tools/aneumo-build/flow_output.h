// A solved flow field on disk, the same for both solvers:
//   fields.h5   (h5py-readable; every dataset has a "units" attribute)
//     /points/coords [N,3] m, /points/velocity [N,3] m/s, /points/pressure [N] Pa (gauge, outlet 0)
//     /wall/coords [M,3] m, /wall/normal [M,3] (unit, into the lumen), /wall/wss [M,3] Pa
//     root attributes: solver, mass_flow_kg_s, density_kg_m3, viscosity_pa_s, converged, iterations,
//     inlet_mass_flow_kg_s / outlet_mass_flow_kg_s (measured), seconds
//   fields.vtp / wall.vtp  (VTK XML point clouds for ParaView: velocity, pressure, wss)
// Files are written under temporary names and renamed into place.
#pragma once

#include <string>

#include "lbm.h"

namespace labkit::aneumo_build {

void write_flow_h5(const FlowField& f, double mass_flow_kg_s, const Fluid& fluid, const std::string& path);
FlowField read_flow_h5(const std::string& path);
void write_flow_vtk(const FlowField& f, const std::string& points_path, const std::string& wall_path);

}  // namespace labkit::aneumo_build
