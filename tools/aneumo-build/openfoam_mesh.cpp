#include "openfoam_mesh.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <unordered_map>

namespace labkit::aneumo_build {

std::string pipe_block_mesh_dict(double D, double L, const OpenFoamSettings& s) {
  const double R = D / 2, sq = 0.4 * R, c = R / std::sqrt(2.0);
  const int64_t n = std::max<int64_t>(2, s.cells_across / 3), nz = std::max<int64_t>(1, std::llround(L / s.cell_length_mm));
  std::string v;
  for (double z : {0.0, L})
    v += fmt::format("({0} {0} {4}) ({1} {0} {4}) ({1} {1} {4}) ({0} {1} {4}) ({2} {2} {4}) ({3} {2} {4}) ({3} {3} {4}) ({2} {3} {4})\n",
                     -sq, sq, -c, c, z);
  return fmt::format(R"(scale 0.001;
vertices ( {0} );
blocks ( hex (0 1 2 3 8 9 10 11) ({1} {1} {2}) simpleGrading (1 1 1)
         hex (4 5 1 0 12 13 9 8) ({1} {1} {2}) simpleGrading (1 2.5 1)
         hex (5 6 2 1 13 14 10 9) ({1} {1} {2}) simpleGrading (1 2.5 1)
         hex (6 7 3 2 14 15 11 10) ({1} {1} {2}) simpleGrading (1 2.5 1)
         hex (7 4 0 3 15 12 8 11) ({1} {1} {2}) simpleGrading (1 2.5 1) );
edges ( arc 4 5 (0 {3} 0) arc 5 6 ({4} 0 0) arc 6 7 (0 {4} 0) arc 7 4 ({3} 0 0)
        arc 12 13 (0 {3} {5}) arc 13 14 ({4} 0 {5}) arc 14 15 (0 {4} {5}) arc 15 12 ({3} 0 {5}) );
boundary ( inlet  {{ type patch; faces ((0 3 2 1) (4 0 1 5) (5 1 2 6) (6 2 3 7) (7 3 0 4)); }}
           outlet {{ type patch; faces ((8 9 10 11) (12 13 9 8) (13 14 10 9) (14 15 11 10) (15 12 8 11)); }}
           wall   {{ type wall;  faces ((4 5 13 12) (5 6 14 13) (6 7 15 14) (7 4 12 15)); }} );
)",
                     v, n, nz, -R, R, L);
}

namespace {

struct Face {
  int64_t v[4];
  int64_t owner, neighbour;
};

void write_list_file(const std::string& path, const std::string& cls, const std::string& object, const std::string& body) {
  std::ofstream out(path);
  out << "FoamFile { version 2.0; format ascii; class " << cls << "; location \"constant/polyMesh\"; object " << object
      << "; }\n"
      << body;
  if (!out.flush()) throw std::runtime_error(path + ": cannot write");
}

}  // namespace

// One piece: numbering points, classifying the six faces of every lumen voxel and writing the five files
// share the same index maps.
void write_voxel_poly_mesh(const Domain& d, const Openings& o, const std::string& dir) {
  std::filesystem::create_directories(dir);
  const Grid& g = d.grid;
  const int64_t nx = g.size[0], ny = g.size[1], nz = g.size[2];
  std::vector<int64_t> cell_of(g.count(), -1);
  int64_t cells = 0;
  for (int64_t idx = 0; idx < g.count(); ++idx)
    if (d.mask[idx]) cell_of[idx] = cells++;
  // Which boundary faces are openings: (voxel, outward axis/side) -> 1 inlet, 2 outlet.
  std::unordered_map<int64_t, int> opening;
  auto key = [](int64_t idx, int axis, int side) { return idx * 6 + axis * 2 + (side > 0); };
  for (int64_t v : o.inlet.voxels) opening[key(v, o.inlet.axis, o.inlet.side)] = 1;
  for (const auto& out : o.outlets)
    for (int64_t v : out.voxels) opening[key(v, out.axis, out.side)] = 2;

  std::unordered_map<int64_t, int64_t> point_id;
  std::vector<int64_t> point_order;
  auto corner = [&](int64_t i, int64_t j, int64_t k) {
    const int64_t id = i + (nx + 1) * (j + (ny + 1) * k);
    auto [it, added] = point_id.emplace(id, static_cast<int64_t>(point_order.size()));
    if (added) point_order.push_back(id);
    return it->second;
  };
  // The four corners of the face of voxel (i,j,k) on `side` of `axis`, ordered so the normal points out.
  auto quad = [&](int64_t i, int64_t j, int64_t k, int axis, int side, int64_t out[4]) {
    int64_t p[3] = {i, j, k};
    if (side > 0) p[axis] += 1;
    const int a1 = (axis + 1) % 3, a2 = (axis + 2) % 3;
    int64_t q[4][3];
    const int du[4] = {0, 1, 1, 0}, dv[4] = {0, 0, 1, 1};
    for (int m = 0; m < 4; ++m) {
      q[m][0] = p[0], q[m][1] = p[1], q[m][2] = p[2];
      q[m][a1] += du[m], q[m][a2] += dv[m];
    }
    for (int m = 0; m < 4; ++m) {
      const int src = side > 0 ? m : 3 - m;  // (a1, a2) order has normal +axis
      out[m] = corner(q[src][0], q[src][1], q[src][2]);
    }
  };
  std::vector<Face> internal, patches[3];  // 0 wall, 1 inlet, 2 outlet
  for (int64_t k = 0; k < nz; ++k)
    for (int64_t j = 0; j < ny; ++j)
      for (int64_t i = 0; i < nx; ++i) {
        const int64_t idx = g.index(i, j, k);
        if (cell_of[idx] < 0) continue;
        const int64_t ijk[3] = {i, j, k};
        for (int axis = 0; axis < 3; ++axis)
          for (int side : {-1, 1}) {
            int64_t nb[3] = {i, j, k};
            nb[axis] += side;
            const bool inside = nb[axis] >= 0 && nb[axis] < g.size[axis];
            const int64_t nidx = inside ? g.index(nb[0], nb[1], nb[2]) : -1;
            Face f{};
            f.owner = cell_of[idx];
            if (inside && cell_of[nidx] >= 0) {
              if (side < 0) continue;  // each internal face once, from its lower cell
              f.neighbour = cell_of[nidx];
              quad(ijk[0], ijk[1], ijk[2], axis, side, f.v);
              internal.push_back(f);
              continue;
            }
            f.neighbour = -1;
            quad(ijk[0], ijk[1], ijk[2], axis, side, f.v);
            const auto it = inside ? opening.end() : opening.find(key(idx, axis, side));
            patches[it == opening.end() ? 0 : it->second].push_back(f);
          }
      }
  // Internal faces in upper-triangular order (by owner, then neighbour), as OpenFOAM requires.
  std::stable_sort(internal.begin(), internal.end(), [](const Face& a, const Face& b) {
    return a.owner != b.owner ? a.owner < b.owner : a.neighbour < b.neighbour;
  });
  std::string pts = fmt::format("{}\n(\n", point_order.size());
  const double s = g.spacing_mm * 1e-3;
  for (int64_t id : point_order) {
    const int64_t i = id % (nx + 1), j = (id / (nx + 1)) % (ny + 1), k = id / ((nx + 1) * (ny + 1));
    pts += fmt::format("({:.9g} {:.9g} {:.9g})\n", g.origin_mm[0] * 1e-3 + (i - 0.5) * s, g.origin_mm[1] * 1e-3 + (j - 0.5) * s,
                       g.origin_mm[2] * 1e-3 + (k - 0.5) * s);
  }
  write_list_file(dir + "/points", "vectorField", "points", pts + ")\n");
  const size_t nfaces = internal.size() + patches[0].size() + patches[1].size() + patches[2].size();
  std::string faces = fmt::format("{}\n(\n", nfaces), owner = fmt::format("{}\n(\n", nfaces),
              neighbour = fmt::format("{}\n(\n", internal.size());
  auto emit = [&](const Face& f) {
    faces += fmt::format("4({} {} {} {})\n", f.v[0], f.v[1], f.v[2], f.v[3]);
    owner += fmt::format("{}\n", f.owner);
  };
  for (const auto& f : internal) emit(f), neighbour += fmt::format("{}\n", f.neighbour);
  const char* names[3] = {"wall", "inlet", "outlet"};
  std::string boundary = "3\n(\n";
  int64_t start = static_cast<int64_t>(internal.size());
  for (int p : {1, 2, 0}) {
    for (const auto& f : patches[p]) emit(f);
    boundary += fmt::format("{} {{ type {}; {}nFaces {}; startFace {}; }}\n", names[p], p == 0 ? "wall" : "patch",
                            p == 0 ? "inGroups 1(wall); " : "", patches[p].size(), start);
    start += static_cast<int64_t>(patches[p].size());
  }
  write_list_file(dir + "/faces", "faceList", "faces", faces + ")\n");
  write_list_file(dir + "/owner", "labelList", "owner", owner + ")\n");
  write_list_file(dir + "/neighbour", "labelList", "neighbour", neighbour + ")\n");
  write_list_file(dir + "/boundary", "polyBoundaryMesh", "boundary", boundary + ")\n");
}

}  // namespace labkit::aneumo_build
