// The fused pull stream + TRT collide step (the hot loop: every fluid node, every time step).
#include "lbm_lattice.h"

namespace labkit::aneumo_build {

using d3q19::kC;
using d3q19::kQ;
using d3q19::opposite;

namespace {

constexpr float kWf[kQ] = {1.f / 3,  1.f / 18, 1.f / 18, 1.f / 18, 1.f / 18, 1.f / 18, 1.f / 18,
                           1.f / 36, 1.f / 36, 1.f / 36, 1.f / 36, 1.f / 36, 1.f / 36, 1.f / 36,
                           1.f / 36, 1.f / 36, 1.f / 36, 1.f / 36, 1.f / 36};

// Incoming population i at a boundary node whose upstream cell is not fluid (populations are stored
// shifted by their weights, so every rule below is written for g = f - w).
inline float boundary_population(const Lattice& lat, const BoundaryNode& b, const float* src, int64_t c, int i,
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

}  // namespace

void lbm_step(Lattice& lat, const float* src, float* dst, const Relaxation& r, int64_t begin, int64_t end,
              NodeRecord* record) {
  const int64_t N = lat.cells;
  float g[kQ];
  for (int64_t f = begin; f < end; ++f) {
    const int64_t c = lat.fluid[f];
    const int32_t bi = lat.boundary_of[c];
    if (bi < 0) {
      for (int i = 0; i < kQ; ++i) g[i] = src[i * N + c - lat.offset[i]];
    } else {
      const BoundaryNode& b = lat.boundary[bi];
      for (int i = 0; i < kQ; ++i) {
        const std::uint8_t t = lat.type[c - lat.offset[i]];
        g[i] = t == kFluid ? src[i * N + c - lat.offset[i]] : boundary_population(lat, b, src, c, i, t, r.inlet_scale);
      }
    }
    float rho = 0, ux = 0, uy = 0, uz = 0;
    for (int i = 0; i < kQ; ++i) {
      rho += g[i];
      ux += kC[i][0] * g[i];
      uy += kC[i][1] * g[i];
      uz += kC[i][2] * g[i];
    }
    const float uu = 1.5f * (ux * ux + uy * uy + uz * uz);
    if (bi >= 0) {
      float* lv = lat.boundary[bi].last_velocity;
      lv[0] = ux, lv[1] = uy, lv[2] = uz;
    }
    const bool need_pi = record || r.regularised;
    float pi[6] = {0, 0, 0, 0, 0, 0};
    if (need_pi) {
      for (int i = 0; i < kQ; ++i) {
        const float cu = kC[i][0] * ux + kC[i][1] * uy + kC[i][2] * uz;
        const float neq = g[i] - kWf[i] * (rho + 3 * cu + 4.5f * cu * cu - uu);
        pi[0] += kC[i][0] * kC[i][0] * neq, pi[1] += kC[i][1] * kC[i][1] * neq, pi[2] += kC[i][2] * kC[i][2] * neq;
        pi[3] += kC[i][0] * kC[i][1] * neq, pi[4] += kC[i][0] * kC[i][2] * neq, pi[5] += kC[i][1] * kC[i][2] * neq;
      }
    }
    if (record) {
      record->rho[f] = rho;
      record->u[3 * f] = ux, record->u[3 * f + 1] = uy, record->u[3 * f + 2] = uz;
      for (int m = 0; m < 6; ++m) record->pi_neq[6 * f + m] = pi[m];
    }
    if (r.regularised) {
      // f* = f_eq + (1 - omega) w_i/(2 cs^4) (c_i c_i - cs^2 I) : Pi_neq
      const float keep = 1 - r.omega_plus, trace = (pi[0] + pi[1] + pi[2]) / 3;
      for (int i = 0; i < kQ; ++i) {
        const float cu = kC[i][0] * ux + kC[i][1] * uy + kC[i][2] * uz;
        const float qpi = kC[i][0] * kC[i][0] * pi[0] + kC[i][1] * kC[i][1] * pi[1] + kC[i][2] * kC[i][2] * pi[2] +
                          2 * (kC[i][0] * kC[i][1] * pi[3] + kC[i][0] * kC[i][2] * pi[4] + kC[i][1] * kC[i][2] * pi[5]) - trace;
        dst[i * N + c] = kWf[i] * (rho + 3 * cu + 4.5f * cu * cu - uu + keep * 4.5f * qpi);
      }
      continue;
    }
    // TRT: the even (symmetric) part relaxes with omega+, the odd part with omega-.
    dst[c] = g[0] - r.omega_plus * (g[0] - kWf[0] * (rho - uu));
    for (int i = 1; i < kQ; i += 2) {
      const int o = i + 1;
      const float cu = kC[i][0] * ux + kC[i][1] * uy + kC[i][2] * uz;
      const float eq_plus = kWf[i] * (rho + 4.5f * cu * cu - uu), eq_minus = kWf[i] * 3 * cu;
      const float plus = 0.5f * (g[i] + g[o]) - eq_plus, minus = 0.5f * (g[i] - g[o]) - eq_minus;
      dst[i * N + c] = g[i] - r.omega_plus * plus - r.omega_minus * minus;
      dst[o * N + c] = g[o] - r.omega_plus * plus + r.omega_minus * minus;
    }
  }
}

}  // namespace labkit::aneumo_build
