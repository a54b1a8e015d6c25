// The padded lattice of a voxel domain: node types, cut-link wall fractions, the inlet profile.
#include <algorithm>
#include <cmath>
#include <limits>

#include "lbm_lattice.h"

namespace labkit::aneumo_build {

using d3q19::kC;
using d3q19::kQ;
using d3q19::kW;

namespace {

// Distance (mm) from each inlet voxel to the rim of its patch: the half-way wall when only the mask is
// known, else the signed distance itself.
std::vector<double> inlet_wall_distance(const Domain& d, const Opening& in) {
  const Grid& g = d.grid;
  std::vector<double> dist(in.voxels.size());
  if (d.has_sdf()) {
    for (size_t n = 0; n < in.voxels.size(); ++n) dist[n] = std::max(0.0, -double(d.sdf_mm[in.voxels[n]]));
    return dist;
  }
  const int a1 = (in.axis + 1) % 3, a2 = (in.axis + 2) % 3;
  auto ijk = [&](int64_t idx) {
    return std::array<int64_t, 3>{idx % g.size[0], (idx / g.size[0]) % g.size[1], idx / (g.size[0] * g.size[1])};
  };
  // Rim: face cells outside the patch that touch it (4-neighbours), plus the grid edge beyond it.
  std::vector<std::array<double, 2>> rim;
  for (int64_t idx : in.voxels) {
    const auto p = ijk(idx);
    for (int s = 0; s < 4; ++s) {
      auto q = p;
      (s < 2 ? q[a1] : q[a2]) += (s % 2 ? 1 : -1);
      const bool outside = q[a1] < 0 || q[a2] < 0 || q[a1] >= g.size[a1] || q[a2] >= g.size[a2] ||
                           !d.mask[g.index(q[0], q[1], q[2])];
      if (outside) rim.push_back({0.5 * (p[a1] + q[a1]), 0.5 * (p[a2] + q[a2])});
    }
  }
  for (size_t n = 0; n < in.voxels.size(); ++n) {
    const auto p = ijk(in.voxels[n]);
    double best = std::numeric_limits<double>::infinity();
    for (const auto& r : rim) best = std::min(best, std::hypot(p[a1] - r[0], p[a2] - r[1]));
    dist[n] = best * g.spacing_mm;
  }
  return dist;
}

void mark_opening(Lattice& lat, const Opening& o, NodeType ghost) {
  for (int64_t idx : o.voxels) {
    const int64_t nx = lat.n[0] - 2, ny = lat.n[1] - 2;
    std::array<int64_t, 3> p{idx % nx, (idx / nx) % ny, idx / (nx * ny)};
    p[o.axis] += o.side;
    lat.type[lat.padded(p[0], p[1], p[2])] = ghost;
  }
}

// Bridged runs of fluid cells: a gap of up to kBridge non-fluid cells costs less computed than the
// loop restart it saves (rows of a vessel cross-section are a few to a few tens of cells long).
constexpr int64_t kBridge = 8;

void build_segments(Lattice& lat) {
  lat.fluid_index.assign(lat.cells, -1);
  const int64_t F = static_cast<int64_t>(lat.fluid.size());
  for (int64_t f = 0; f < F; ++f) lat.fluid_index[lat.fluid[f]] = static_cast<int32_t>(f);
  int32_t b = 0;
  for (int64_t f = 0; f < F;) {
    Segment s{lat.fluid[f], 1, false, b, f};
    for (++f; f < F && lat.fluid[f] - (s.cell + s.length) <= kBridge; ++f) {
      s.has_gaps |= lat.fluid[f] != s.cell + s.length;
      s.length = static_cast<int32_t>(lat.fluid[f] - s.cell + 1);
    }
    while (b < static_cast<int32_t>(lat.boundary.size()) && lat.boundary[b].node < s.cell + s.length) ++b;
    lat.segments.push_back(s);
  }
}

}  // namespace

std::vector<int64_t> segment_shares(const Lattice& lat, int parts) {
  const int64_t S = static_cast<int64_t>(lat.segments.size()), F = static_cast<int64_t>(lat.fluid.size());
  std::vector<int64_t> start(parts + 1, S);
  start[0] = 0;
  for (int64_t p = 1, s = 0; p < parts; ++p) {
    while (s < S && lat.segments[s].fluid_begin < F * p / parts) ++s;
    start[p] = s;
  }
  return start;
}

Lattice build_lattice(const Domain& d, const Openings& o, bool parabolic_inlet, double lattice_flux) {
  const Grid& g = d.grid;
  Lattice lat;
  for (int a = 0; a < 3; ++a) lat.n[a] = g.size[a] + 2;
  lat.cells = lat.n[0] * lat.n[1] * lat.n[2];
  for (int i = 0; i < kQ; ++i) lat.offset[i] = kC[i][0] + lat.n[0] * (kC[i][1] + lat.n[1] * kC[i][2]);
  lat.type.assign(lat.cells, kSolid);
  for (int64_t k = 0; k < g.size[2]; ++k)
    for (int64_t j = 0; j < g.size[1]; ++j)
      for (int64_t i = 0; i < g.size[0]; ++i)
        if (d.mask[g.index(i, j, k)]) lat.type[lat.padded(i, j, k)] = kFluid;
  mark_opening(lat, o.inlet, kInletGhost);
  for (const auto& out : o.outlets) mark_opening(lat, out, kOutletGhost);

  lat.boundary_of.assign(lat.cells, -1);
  for (int64_t c = 0; c < lat.cells; ++c) {
    if (lat.type[c] != kFluid) continue;
    lat.fluid.push_back(c);
    bool cut = false;
    for (int i = 1; i < kQ; ++i) cut |= lat.type[c - lat.offset[i]] != kFluid;
    if (!cut) continue;
    BoundaryNode b{};
    b.node = c;
    const auto me = lat.grid_ijk(c);
    for (int i = 1; i < kQ; ++i) {
      b.q[i] = 0.5f;
      if (lat.type[c - lat.offset[i]] != kFluid) b.links |= 1u << i;
      if (lat.type[c - lat.offset[i]] != kSolid || !d.has_sdf()) continue;
      const int64_t si = me[0] - kC[i][0], sj = me[1] - kC[i][1], sk = me[2] - kC[i][2];
      if (si < 0 || sj < 0 || sk < 0 || si >= g.size[0] || sj >= g.size[1] || sk >= g.size[2]) continue;
      const double sf = d.sdf_mm[g.index(me[0], me[1], me[2])], ss = d.sdf_mm[g.index(si, sj, sk)];
      if (ss > sf) b.q[i] = static_cast<float>(std::clamp(-sf / (ss - sf), 1e-3, 1.0));
    }
    lat.boundary_of[c] = static_cast<int32_t>(lat.boundary.size());
    lat.boundary.push_back(b);
  }
  build_segments(lat);

  // Inlet profile, scaled so that the mass injected per step (sum over inlet links of 6 w_i c_i.u_w)
  // equals lattice_flux: rim nodes lose some diagonal links to the wall, which this accounts for.
  lat.inlet_inward = o.inlet.inward;
  const auto dist = inlet_wall_distance(d, o.inlet);
  // The profile's radius: the equivalent circle of the patch area, so a circular inlet gets Poiseuille's
  // R^2 - r^2 with the true R (the largest node distance underestimates it by up to half a voxel, and an
  // over-peaked profile then takes a full development length to relax).
  const double rmax = std::max(*std::max_element(dist.begin(), dist.end()), std::sqrt(o.inlet.area_mm2 / 3.14159265358979));
  std::vector<double> shape(dist.size()), links(dist.size());
  double total = 0;
  for (size_t n = 0; n < dist.size(); ++n) {
    const auto& v = o.inlet.voxels[n];
    const int64_t c = lat.padded(v % g.size[0], (v / g.size[0]) % g.size[1], v / (g.size[0] * g.size[1]));
    lat.inlet_nodes.push_back(c);
    shape[n] = parabolic_inlet ? std::max(0.0, dist[n] * (2 * rmax - dist[n])) : 1.0;
    for (int i = 1; i < kQ; ++i)
      if (lat.type[c - lat.offset[i]] == kInletGhost)
        links[n] += 6 * kW[i] * (kC[i][0] * o.inlet.inward[0] + kC[i][1] * o.inlet.inward[1] + kC[i][2] * o.inlet.inward[2]);
    total += shape[n] * links[n];
  }
  const double peak = total > 0 ? lattice_flux / total : 0;
  for (size_t n = 0; n < dist.size(); ++n) {
    const int32_t b = lat.boundary_of[lat.inlet_nodes[n]];
    for (int a = 0; a < 3; ++a) lat.boundary[b].inlet_velocity[a] = static_cast<float>(peak * shape[n] * o.inlet.inward[a]);
  }
  for (const auto& out : o.outlets)
    for (const auto& v : out.voxels) {
      lat.outlet_nodes.push_back(lat.padded(v % g.size[0], (v / g.size[0]) % g.size[1], v / (g.size[0] * g.size[1])));
      lat.outlet_inward.push_back(out.inward);
    }
  build_cut_links(lat);
  return lat;
}

}  // namespace labkit::aneumo_build
