// Reader of an ASCII OpenFOAM polyMesh (points, faces, boundary): what the read-back needs to project
// the wall traction on the wall. Errors are InputError("<file>: ...").
#pragma once

#include <string>
#include <vector>

namespace labkit::aneumo_build {

// Unit normals [M,3] of the faces of `patch`, in the patch's face order (the order of its field
// values), pointing out of the domain (OpenFOAM's boundary-face convention: out of the owner cell).
std::vector<double> foam_patch_normals(const std::string& poly_mesh_dir, const std::string& patch);

}  // namespace labkit::aneumo_build
