// The first stream-collide kernel, node by node: the reference that lbm_kernel.cpp is tested against.
#include "lbm_lattice.h"

namespace labkit::aneumo_build {

using d3q19::kC;
using d3q19::kQ;

using d3q19::kWf;

void lbm_step_reference(Lattice& lat, const float* src, float* dst, const Relaxation& r, int64_t begin, int64_t end,
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
