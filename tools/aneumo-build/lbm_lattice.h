// Internal to the LBM: the padded lattice built from a Domain, and the stream-collide kernel.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "d3q19.h"
#include "grid.h"
#include "openings.h"

namespace labkit::aneumo_build {

enum NodeType : std::uint8_t { kSolid = 0, kFluid = 1, kInletGhost = 2, kOutletGhost = 3 };

// A fluid node with at least one non-fluid neighbour: what each of its incoming links needs.
struct BoundaryNode {
  int64_t node;                  // padded linear index
  float q[d3q19::kQ];            // solid links: wall fraction from this node (0 < q <= 1)
  float inlet_velocity[3];       // inlet links: wall velocity on the half-way plane (lattice units)
  float last_velocity[3];        // outlet links: this node's velocity at the previous step
  std::uint32_t links = 0;       // bit i set when the upstream cell of link i (c - c_i) is not fluid
  int32_t cut_begin = 0, cut_end = 0;  // its links in Lattice::cut (wall and inlet links; outlets not)
};

// A wall or inlet link's rule, precomputed: the incoming population is
//   g_i = a * src[from1] + b * src[from2] + inlet * inlet_scale
// (interpolated bounce-back for q < 1/2 and q >= 1/2, plain bounce-back, velocity bounce-back).
struct CutLink {
  int64_t from1, from2;  // indices into the population array (i * cells + cell)
  float a, b, inlet;
  int32_t i;             // the link's direction
};


// A stretch of consecutive padded cells that starts and ends with fluid; gaps of a few non-fluid cells
// are bridged (computed, then written as zeros), so the kernel streams long unit-stride runs.
struct Segment {
  int64_t cell;            // padded index of the first cell
  int32_t length;
  bool has_gaps;           // holds non-fluid cells
  int32_t boundary_begin;  // its first boundary node in boundary[] (sorted by cell)
  int64_t fluid_begin;     // fluid[] index of its first cell (balances the threads)
};

struct Lattice {
  std::array<int64_t, 3> n{0, 0, 0};  // padded sizes (grid + 2)
  int64_t cells = 0;
  int64_t offset[d3q19::kQ]{};  // linear offset of c_i
  std::vector<std::uint8_t> type;
  std::vector<int32_t> boundary_of;  // per cell: index into boundary, or -1
  std::vector<BoundaryNode> boundary;
  std::vector<CutLink> cut;          // the boundary nodes' wall and inlet links, node by node
  std::vector<int64_t> fluid;        // padded indices of fluid nodes, k-major order
  std::vector<int32_t> fluid_index;  // per cell: index into fluid[], or -1
  std::vector<Segment> segments;     // the fluid cells as bridged runs, in cell order
  std::vector<int64_t> inlet_nodes, outlet_nodes;  // fluid nodes on the opening faces
  std::vector<std::array<double, 3>> outlet_inward;  // per outlet node, the inward normal of its face
  std::array<double, 3> inlet_inward{0, 0, 0};

  int64_t padded(int64_t i, int64_t j, int64_t k) const { return (i + 1) + n[0] * ((j + 1) + n[1] * (k + 1)); }
  std::array<int64_t, 3> grid_ijk(int64_t p) const {
    return {p % n[0] - 1, (p / n[0]) % n[1] - 1, p / (n[0] * n[1]) - 1};
  }
};

// Builds types, wall fractions (from the signed distance when the domain has one) and the inlet profile,
// scaled to inject `lattice_flux` (lattice volume per step) exactly.
Lattice build_lattice(const Domain& d, const Openings& o, bool parabolic_inlet, double lattice_flux);

// Per-node outputs of a recording step: density deviation, velocity, and the pre-collision
// non-equilibrium momentum flux Pi_neq (xx, yy, zz, xy, xz, yz), all lattice units, per fluid[] entry.
struct NodeRecord {
  std::vector<float> rho, u, pi_neq;
};

struct Relaxation {
  float omega_plus, omega_minus;
  bool regularised = false;  // project the non-equilibrium part on its stress moments (Latt & Chopard 2006)
  float inlet_scale = 1;  // the inlet flow ramps up from rest (a sudden start sends a pressure shock)
};

// One fused pull stream + collide for segments [seg_begin, seg_end): reads `src`, writes `dst` (SoA:
// population i of cell c at i * cells + c). With `record`, fills rec at their fluid[] entries. Cells go
// in chunks: unit-stride gather, patch the cut links of boundary nodes, then moments and collision as
// loops over the chunk (vectorised, no per-node branch), then unit-stride store.
void lbm_step(Lattice& lat, const float* src, float* dst, const Relaxation& r, int64_t seg_begin, int64_t seg_end,
              NodeRecord* record);

// Splits the segments into `parts` contiguous shares of about equal fluid count: share p is
// segments [start[p], start[p + 1]).
std::vector<int64_t> segment_shares(const Lattice& lat, int parts);

// The first kernel, node by node with a boundary branch per node (several times slower): kept as the
// reference the fast kernel is tested against. Over fluid[] entries [begin, end).
void lbm_step_reference(Lattice& lat, const float* src, float* dst, const Relaxation& r, int64_t begin, int64_t end,
                        NodeRecord* record);

// Fills Lattice::cut from the wall fractions and inlet velocities (build_lattice calls it last).
void build_cut_links(Lattice& lat);

// Incoming population i at boundary node b whose upstream cell (of type `upstream`) is not fluid.
float boundary_population(const Lattice& lat, const BoundaryNode& b, const float* src, int64_t c, int i,
                          std::uint8_t upstream, float inlet_scale);

}  // namespace labkit::aneumo_build
