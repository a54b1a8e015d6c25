// Meshes the OpenFOAM driver writes: a blockMesh O-grid pipe (body-fitted), and a polyMesh built straight
// from a voxel domain (hex cells, patches inlet / outlet / wall).
#pragma once

#include <string>

#include "grid.h"
#include "openings.h"
#include "settings.h"

namespace labkit::aneumo_build {

// Body of system/blockMeshDict (after the FoamFile header): 5 blocks (a square core and four arc-bounded
// blocks), along z from 0 to L, millimetres scaled to metres; cells graded 2.5x finer at the wall.
std::string pipe_block_mesh_dict(double diameter_mm, double length_mm, const OpenFoamSettings& s);

// constant/polyMesh/{points,faces,owner,neighbour,boundary}: one hex per lumen voxel (metres).
void write_voxel_poly_mesh(const Domain& d, const Openings& o, const std::string& poly_mesh_dir);

}  // namespace labkit::aneumo_build
