// The chunked stream-collide kernel against the first, node-by-node kernel it replaced: same lattice,
// same start, a few hundred steps with every boundary rule active (interpolated walls from a signed
// distance, a ramped inlet, an outlet), for both collisions and for a mask without a distance.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "lbm_lattice.h"
#include "openings.h"
#include "shapes.h"
#include "test_shapes.h"

namespace ab = labkit::aneumo_build;

namespace {

ab::Domain aneurysm_domain() {
  return ab::voxelise(ab::make_shape(ab::test::aneurysm_spec(8, 2.2, 1.2)), 0.3);
}

struct Compared {
  double max_diff = 0, max_value = 0;
  bool record_equal = true;
};

// Runs `steps` steps from rest with each kernel (both threads' shares split in two, as on 2 threads),
// then one recording step; compares the populations and the recorded moments.
Compared run_both(const ab::Domain& d, bool regularised, int steps) {
  const auto o = ab::find_openings(d, "test");
  ab::Lattice ref = ab::build_lattice(d, o, true, 2.0), fast = ab::build_lattice(d, o, true, 2.0);
  std::vector<float> ra(19 * ref.cells, 0.f), rb = ra, fa = ra, fb = ra;
  ab::Relaxation r{1.f / 0.52f, 1.f / (0.5f + 0.1875f / 0.02f), regularised, 0};
  const int64_t F = static_cast<int64_t>(ref.fluid.size());
  const auto share = ab::segment_shares(fast, 2);
  ab::NodeRecord rec_ref{std::vector<float>(F), std::vector<float>(3 * F), std::vector<float>(6 * F)}, rec_fast = rec_ref;
  for (int n = 0; n <= steps; ++n) {
    r.inlet_scale = std::min(1.f, float(n) / 100);
    const bool last = n == steps;
    ab::lbm_step_reference(ref, ra.data(), rb.data(), r, 0, F / 2, last ? &rec_ref : nullptr);
    ab::lbm_step_reference(ref, ra.data(), rb.data(), r, F / 2, F, last ? &rec_ref : nullptr);
    ab::lbm_step(fast, fa.data(), fb.data(), r, share[0], share[1], last ? &rec_fast : nullptr);
    ab::lbm_step(fast, fa.data(), fb.data(), r, share[1], share[2], last ? &rec_fast : nullptr);
    ra.swap(rb), fa.swap(fb);
  }
  Compared c;
  for (size_t i = 0; i < ra.size(); ++i) {
    c.max_diff = std::max(c.max_diff, double(std::abs(ra[i] - fa[i])));
    c.max_value = std::max(c.max_value, double(std::abs(ra[i])));
  }
  for (int64_t f = 0; f < F; ++f) {
    c.record_equal &= std::abs(rec_ref.rho[f] - rec_fast.rho[f]) <= 1e-4f * (c.max_value + 1e-3f);
    for (int a = 0; a < 3; ++a) c.record_equal &= std::abs(rec_ref.u[3 * f + a] - rec_fast.u[3 * f + a]) <= 1e-5f;
    for (int m = 0; m < 6; ++m) c.record_equal &= std::abs(rec_ref.pi_neq[6 * f + m] - rec_fast.pi_neq[6 * f + m]) <= 1e-5f;
  }
  return c;
}

}  // namespace

// Float32 sums in another order differ by rounding only: ~1e-7 of the populations' size per step.
TEST(AneumoLbmKernel, ChunkedKernelMatchesTheReferenceKernelRegularised) {
  const auto c = run_both(aneurysm_domain(), true, 300);
  EXPECT_GT(c.max_value, 5e-3);  // the flow has started (peak inlet velocity ~0.05)
  EXPECT_LT(c.max_diff, 1e-5 * c.max_value) << c.max_diff << " of " << c.max_value;
  EXPECT_TRUE(c.record_equal);
  std::printf("max |difference| %g of max |g| %g\n", c.max_diff, c.max_value);
}

TEST(AneumoLbmKernel, ChunkedKernelMatchesTheReferenceKernelTrtHalfWay) {
  auto d = aneurysm_domain();
  d.sdf_mm.clear();  // a mask alone: half-way bounce-back
  const auto c = run_both(d, false, 300);
  EXPECT_GT(c.max_value, 5e-3);
  EXPECT_LT(c.max_diff, 1e-5 * c.max_value) << c.max_diff << " of " << c.max_value;
  EXPECT_TRUE(c.record_equal);
  std::printf("max |difference| %g of max |g| %g\n", c.max_diff, c.max_value);
}
