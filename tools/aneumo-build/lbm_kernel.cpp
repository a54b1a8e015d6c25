// The fused pull stream + collide step (the hot loop: every fluid node, every time step).
//
// Layout: structure of arrays on the dense padded box (precomputed neighbour offsets, no index table),
// two lattices swapped each step (src -> dst). The fluid cells are walked as runs of consecutive cells
// (short non-fluid gaps bridged), cut into chunks of 64 whose scratch lives in L1:
//   1. gather: population i of the chunk is a unit-stride copy from src shifted by -c_i (pull);
//   2. patch: at boundary nodes, the links whose upstream cell is wall, inlet or outlet are replaced by
//      their boundary rule, precomputed per link as two weighted loads plus the inlet term (CutLink);
//      outlet links, which need the node's last velocity, go through boundary_population;
//   3. moments and collision: one loop over the chunk per quantity, which the compiler vectorises;
//   4. store the post-collision populations to dst, unit stride.
// No virtual call and no branch per node in the bulk. Memory traffic per node is the 19 loads and 19
// stores of the populations (the patch touches only boundary nodes).
#include <algorithm>

#include "lbm_lattice.h"

namespace labkit::aneumo_build {

using d3q19::kC;
using d3q19::kQ;
using d3q19::kWf;
using d3q19::opposite;

// Populations are stored shifted by their weights, so every rule below is written for g = f - w.
float boundary_population(const Lattice& lat, const BoundaryNode& b, const float* src, int64_t c, int i,
                          std::uint8_t upstream, float inlet_scale) {
  const int o = opposite(i);
  const int64_t N = lat.cells;
  const float out_here = src[o * N + c];  // post-collision population that left towards the boundary
  if (upstream == kSolid) {
    const float q = b.q[i];
    if (q < 0.5f) {
      const int64_t behind = c + lat.offset[i];
      if (lat.type[behind] != kFluid) return out_here;
      return 2 * q * out_here + (1 - 2 * q) * src[o * N + behind];
    }
    return out_here / (2 * q) + (2 * q - 1) / (2 * q) * src[i * N + c];
  }
  const float cu_in = kC[i][0] * b.inlet_velocity[0] + kC[i][1] * b.inlet_velocity[1] + kC[i][2] * b.inlet_velocity[2];
  if (upstream == kInletGhost) return out_here + 6 * kWf[i] * inlet_scale * cu_in;
  // Outlet: anti-bounce-back at zero gauge pressure with the node's last velocity.
  const float* u = b.last_velocity;
  const float cu = kC[i][0] * u[0] + kC[i][1] * u[1] + kC[i][2] * u[2];
  const float uu = u[0] * u[0] + u[1] * u[1] + u[2] * u[2];
  return -out_here + 2 * kWf[i] * (4.5f * cu * cu - 1.5f * uu);
}

void build_cut_links(Lattice& lat) {
  const int64_t N = lat.cells;
  lat.cut.clear();
  for (BoundaryNode& b : lat.boundary) {
    b.cut_begin = static_cast<int32_t>(lat.cut.size());
    const int64_t c = b.node;
    for (std::uint32_t m = b.links; m; m &= m - 1) {
      const int i = __builtin_ctz(m), o = opposite(i);
      const std::uint8_t up = lat.type[c - lat.offset[i]];
      if (up == kOutletGhost) continue;  // needs the node's last velocity: boundary_population
      CutLink l{o * N + c, o * N + c, 1.f, 0.f, 0.f, i};
      if (up == kSolid) {
        const float q = b.q[i];
        const int64_t behind = c + lat.offset[i];
        if (q < 0.5f && lat.type[behind] == kFluid)
          l.a = 2 * q, l.b = 1 - 2 * q, l.from2 = o * N + behind;
        else if (q >= 0.5f)
          l.a = 1 / (2 * q), l.b = (2 * q - 1) / (2 * q), l.from2 = i * N + c;
      } else {  // inlet: velocity bounce-back
        l.inlet = 6 * kWf[i] * (kC[i][0] * b.inlet_velocity[0] + kC[i][1] * b.inlet_velocity[1] + kC[i][2] * b.inlet_velocity[2]);
      }
      lat.cut.push_back(l);
    }
    b.cut_end = static_cast<int32_t>(lat.cut.size());
  }
}

namespace {

constexpr int kChunk = 64;  // 19 x 64 floats = 4.9 KB of gathered populations: stays in L1

// Scratch of one chunk. Pi is the non-equilibrium momentum flux, Pi_neq = sum c c g - rho/3 I - u u
// (He-Luo equilibrium of g = f - w), computed from the raw second moments.
struct Chunk {
  alignas(64) float g[kQ][kChunk];
  alignas(64) float rho[kChunk], ux[kChunk], uy[kChunk], uz[kChunk], uu[kChunk];
  alignas(64) float pi[6][kChunk];  // xx, yy, zz, xy, xz, yz
};

// Moments of each node, in one pass over the chunk. With the pair sums p_i = g_i + g_{i+1} and
// differences m_i = g_i - g_{i+1} (i odd: i and i+1 are opposite), D3Q19's moments are short sums.
[[gnu::always_inline]] inline void moments(Chunk& ch, int len, bool need_pi) {
  const auto& g = ch.g;
  for (int k = 0; k < len; ++k) {
    const float p1 = g[1][k] + g[2][k], p3 = g[3][k] + g[4][k], p5 = g[5][k] + g[6][k], p7 = g[7][k] + g[8][k],
                p9 = g[9][k] + g[10][k], p11 = g[11][k] + g[12][k], p13 = g[13][k] + g[14][k],
                p15 = g[15][k] + g[16][k], p17 = g[17][k] + g[18][k];
    const float m1 = g[1][k] - g[2][k], m3 = g[3][k] - g[4][k], m5 = g[5][k] - g[6][k], m7 = g[7][k] - g[8][k],
                m9 = g[9][k] - g[10][k], m11 = g[11][k] - g[12][k], m13 = g[13][k] - g[14][k],
                m15 = g[15][k] - g[16][k], m17 = g[17][k] - g[18][k];
    const float rho = g[0][k] + p1 + p3 + p5 + p7 + p9 + p11 + p13 + p15 + p17;
    const float ux = m1 + m7 + m9 + m11 + m13, uy = m3 + m7 - m9 + m15 + m17, uz = m5 + m11 - m13 + m15 - m17;
    ch.rho[k] = rho, ch.ux[k] = ux, ch.uy[k] = uy, ch.uz[k] = uz;
    ch.uu[k] = 1.5f * (ux * ux + uy * uy + uz * uz);
    if (!need_pi) continue;
    // Pi_neq = sum c c g - (rho/3) I - u u (He-Luo equilibrium of g = f - w).
    const float third = rho / 3;
    ch.pi[0][k] = p1 + p7 + p9 + p11 + p13 - third - ux * ux;
    ch.pi[1][k] = p3 + p7 + p9 + p15 + p17 - third - uy * uy;
    ch.pi[2][k] = p5 + p11 + p13 + p15 + p17 - third - uz * uz;
    ch.pi[3][k] = p7 - p9 - ux * uy;
    ch.pi[4][k] = p11 - p13 - ux * uz;
    ch.pi[5][k] = p15 - p17 - uy * uz;
  }
}

// Regularised (Latt & Chopard 2006): f* = f_eq + (1 - omega) w_i/(2 cs^4) (c_i c_i - cs^2 I) : Pi_neq.
// Opposite directions share the even part (equilibrium's even terms and the stress term) and flip the
// odd one (3 w c.u), so each pair is computed once.
[[gnu::always_inline]] inline void collide_regularised(Chunk& ch, int len, float omega) {
  const float keep = 4.5f * (1 - omega);
  for (int k = 0; k < len; ++k) {
    const float trace = (ch.pi[0][k] + ch.pi[1][k] + ch.pi[2][k]) / 3;
    ch.g[0][k] = kWf[0] * (ch.rho[k] - ch.uu[k] - keep * trace);
  }
  for (int i = 1; i < kQ; i += 2) {
    const float cx = kC[i][0], cy = kC[i][1], cz = kC[i][2], w = kWf[i];
    float* __restrict di = ch.g[i];
    float* __restrict d_o = ch.g[i + 1];
    for (int k = 0; k < len; ++k) {
      const float cu = cx * ch.ux[k] + cy * ch.uy[k] + cz * ch.uz[k];
      const float trace = (ch.pi[0][k] + ch.pi[1][k] + ch.pi[2][k]) / 3;
      const float qpi = cx * cx * ch.pi[0][k] + cy * cy * ch.pi[1][k] + cz * cz * ch.pi[2][k] +
                        2 * (cx * cy * ch.pi[3][k] + cx * cz * ch.pi[4][k] + cy * cz * ch.pi[5][k]) - trace;
      const float even = w * (ch.rho[k] + 4.5f * cu * cu - ch.uu[k] + keep * qpi), odd = w * 3 * cu;
      di[k] = even + odd;
      d_o[k] = even - odd;
    }
  }
}

// TRT: the even (symmetric) part relaxes with omega+, the odd part with omega-.
[[gnu::always_inline]] inline void collide_trt(Chunk& ch, int len, float op, float om) {
  for (int k = 0; k < len; ++k) ch.g[0][k] = ch.g[0][k] - op * (ch.g[0][k] - kWf[0] * (ch.rho[k] - ch.uu[k]));
  for (int i = 1; i < kQ; i += 2) {
    const int o = i + 1;
    const float cx = kC[i][0], cy = kC[i][1], cz = kC[i][2], w = kWf[i];
    float* di = ch.g[i];
    float* d_o = ch.g[o];
    for (int k = 0; k < len; ++k) {
      const float cu = cx * ch.ux[k] + cy * ch.uy[k] + cz * ch.uz[k];
      const float eq_plus = w * (ch.rho[k] + 4.5f * cu * cu - ch.uu[k]), eq_minus = w * 3 * cu;
      const float gi = di[k], go = d_o[k];
      const float plus = 0.5f * (gi + go) - eq_plus, minus = 0.5f * (gi - go) - eq_minus;
      di[k] = gi - op * plus - om * minus;
      d_o[k] = go - op * plus + om * minus;
    }
  }
}

}  // namespace

// Built twice (AVX2 and the baseline x86-64), picked at load time by the CPU: 8-wide vectors where
// the machine has them, and the binary still runs everywhere.
[[gnu::target_clones("avx2", "default")]]
void lbm_step(Lattice& lat, const float* src, float* dst, const Relaxation& r, int64_t seg_begin, int64_t seg_end,
              NodeRecord* record) {
  const int64_t N = lat.cells;
  const bool need_pi = record || r.regularised;
  Chunk ch;
  for (int64_t si = seg_begin; si < seg_end; ++si) {
    const Segment& seg = lat.segments[si];
    int32_t b = seg.boundary_begin;  // boundary nodes are sorted by cell: each chunk's come next
    for (int32_t start = 0; start < seg.length; start += kChunk) {
      const int len = std::min(kChunk, seg.length - start);
      const int64_t c0 = seg.cell + start;
      for (int i = 0; i < kQ; ++i) {
        const float* __restrict s = src + i * N + c0 - lat.offset[i];
        for (int k = 0; k < len; ++k) ch.g[i][k] = s[k];
      }
      const int32_t b_first = b;
      for (; b < static_cast<int32_t>(lat.boundary.size()) && lat.boundary[b].node < c0 + len; ++b) {
        const BoundaryNode& bn = lat.boundary[b];
        const int k = static_cast<int>(bn.node - c0);
        for (int32_t n = bn.cut_begin; n < bn.cut_end; ++n) {
          const CutLink& l = lat.cut[n];
          ch.g[l.i][k] = l.a * src[l.from1] + l.b * src[l.from2] + l.inlet * r.inlet_scale;
        }
        if (bn.cut_end - bn.cut_begin != __builtin_popcount(bn.links))  // outlet links
          for (std::uint32_t m = bn.links; m; m &= m - 1) {
            const int i = __builtin_ctz(m);
            const std::uint8_t up = lat.type[bn.node - lat.offset[i]];
            if (up == kOutletGhost) ch.g[i][k] = boundary_population(lat, bn, src, bn.node, i, up, r.inlet_scale);
          }
      }
      moments(ch, len, need_pi);
      for (int32_t n = b_first; n < b; ++n) {
        BoundaryNode& bn = lat.boundary[n];
        const int k = static_cast<int>(bn.node - c0);
        bn.last_velocity[0] = ch.ux[k], bn.last_velocity[1] = ch.uy[k], bn.last_velocity[2] = ch.uz[k];
      }
      if (record)
        for (int k = 0; k < len; ++k) {
          const int32_t f = lat.fluid_index[c0 + k];
          if (f < 0) continue;
          record->rho[f] = ch.rho[k];
          float* u = record->u.data() + 3 * int64_t(f);
          u[0] = ch.ux[k], u[1] = ch.uy[k], u[2] = ch.uz[k];
          float* p = record->pi_neq.data() + 6 * int64_t(f);
          for (int m = 0; m < 6; ++m) p[m] = ch.pi[m][k];
        }
      if (r.regularised)
        collide_regularised(ch, len, r.omega_plus);
      else
        collide_trt(ch, len, r.omega_plus, r.omega_minus);
      // Bridged non-fluid cells keep zeros (what nothing reads), so they never grow.
      if (seg.has_gaps)
        for (int k = 0; k < len; ++k)
          if (lat.type[c0 + k] != kFluid)
            for (int i = 0; i < kQ; ++i) ch.g[i][k] = 0;
      for (int i = 0; i < kQ; ++i) {
        float* __restrict d = dst + i * N + c0;
        for (int k = 0; k < len; ++k) d[k] = ch.g[i][k];
      }
    }
  }
}

}  // namespace labkit::aneumo_build
