// OpenFOAM (Debian's v1912, the solver family Aneumo used) driven as a user drives it: the tool writes a
// case folder, runs the utilities, and reads the ASCII results back into the shared FlowField.
//  - Mesh: a body-fitted 5-block O-grid pipe from blockMesh (the Poiseuille check), or a hex mesh written
//    directly from the voxel domain (one cell per lumen voxel: the same staircase geometry the LBM sees).
//  - simpleFoam (steady SIMPLE, laminar), flowRateInletVelocity with the mass flow and rhoInlet (a plug
//    profile: OpenFOAM's default), p = 0 at the outlets, noSlip walls, stopped by residualControl.
//  - ranks > 1: decomposePar (hierarchical along the longest axis) + mpirun -np N simpleFoam -parallel +
//    reconstructPar.
//  - Read back: cell centres (writeCellCentres), U, p x rho (Pa), -wallShearStress x rho on the wall
//    faces (Pa; OpenFOAM's is kinematic with n into the domain), inlet/outlet sum(phi) x rho.
// A missing OpenFOAM is bad input (InputError, exit 2); a solver that fails or diverges is a runtime
// error naming its log file (exit 1).
#pragma once

#include <string>

#include "lbm.h"
#include "openings.h"
#include "settings.h"

namespace labkit::aneumo_build {

// Throws InputError when simpleFoam/blockMesh are not on PATH or do not run.
void require_openfoam();

FlowField solve_openfoam_pipe(double diameter_mm, double length_mm, double mass_flow_kg_s, const Fluid& fluid,
                              const OpenFoamSettings& s, const std::string& case_dir);

FlowField solve_openfoam_voxels(const Domain& d, const Openings& o, double mass_flow_kg_s, const Fluid& fluid,
                                const OpenFoamSettings& s, const std::string& case_dir);

}  // namespace labkit::aneumo_build
