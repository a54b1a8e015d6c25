// Two-sided sparsity (CSR A x CSC B, inner-product SpGEMM): op counts against a hand count and a
// dense brute-force count, and NVR's two-chain runahead (exact ranges, no intersection).
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>

#include <labkit/core/error.h>

#include "engine.h"
#include "test_util.h"
#include "workload.h"

namespace {

using labkit::nvr_sim::OpKind;

std::shared_ptr<labkit::nvr_sim::CsrMatrix> csr(std::uint32_t rows, std::uint32_t cols,
                                    std::vector<std::pair<std::uint32_t, std::uint32_t>> e) {
  return std::make_shared<labkit::nvr_sim::CsrMatrix>(labkit::nvr_sim::csr_from_coo(rows, cols, std::move(e)));
}

std::map<std::uint16_t, std::uint64_t> count_by_pc(const labkit::nvr_sim::Workload& w) {
  std::map<std::uint16_t, std::uint64_t> n;
  for (const auto& op : w.ops)
    if (op.kind != OpKind::kCompute) ++n[op.pc];
  return n;
}

TEST(Spgemm, TransposeIsCsc) {
  const auto b = csr(3, 4, {{0, 1}, {0, 3}, {2, 1}, {1, 0}});
  const auto t = labkit::nvr_sim::transpose(*b);
  EXPECT_EQ(t.rows, 4u);
  EXPECT_EQ(t.row_ptr, (std::vector<std::uint32_t>{0, 1, 3, 3, 4}));
  EXPECT_EQ(t.col_idx, (std::vector<std::uint32_t>{1, 0, 2, 0}));
}

// A 4x4: row0 {0,2}, row1 {1}, row2 {0,3}, row3 {}; B 4x4 by columns: col0 {0,1}, col1 {3}, col2 {2},
// col3 {}. 2x2 tiles -> 4 steps. Intersections by hand (K_A = A's columns in the row tile, K_B = B's
// rows in the column tile):
// Compute = ceil(nnz_A / 2) + ceil(nnz_B / 2) + 2 * 2 (two comparator lanes, fill + drain).
//   step 0: K_A {0,1,2}, K_B {0,1,3}: A.values p 0,2; B.values q 0,1;   compute 2 + 2 + 4 = 8
//   step 1: K_A {0,1,2}, K_B {2}:     A.values p 1;   B.values q 3;     compute 2 + 1 + 4 = 7
//   step 2: K_A {0,3},   K_B {0,1,3}: A.values p 3,4; B.values q 0,2;   compute 1 + 2 + 4 = 7
//   step 3: K_A {0,3},   K_B {2}:     none;           none;             compute 1 + 1 + 4 = 6
TEST(Spgemm, OpCountsMatchAHandCount) {
  auto a = csr(4, 4, {{0, 0}, {0, 2}, {1, 1}, {2, 0}, {2, 3}});
  auto b = csr(4, 4, {{0, 0}, {1, 0}, {3, 1}, {2, 2}});
  labkit::nvr_sim::NpuConfig npu = nvr_test::default_cfg().npu;
  npu.array_dim = 2;
  npu.elem_bytes = 4;
  const auto w = labkit::nvr_sim::build_spgemm(npu, a, std::make_shared<labkit::nvr_sim::CsrMatrix>(labkit::nvr_sim::transpose(*b)));
  auto n = count_by_pc(w);
  EXPECT_EQ(n[labkit::nvr_sim::kPcRowPtr], 2u);    // one per row tile
  EXPECT_EQ(n[labkit::nvr_sim::kPcColIdx], 2u);    // one 16-element vector per row tile
  EXPECT_EQ(n[labkit::nvr_sim::kPcBColPtr], 4u);   // one per step
  EXPECT_EQ(n[labkit::nvr_sim::kPcBRowIdx], 4u);   // one vector per step (every column tile has <= 16 entries)
  EXPECT_EQ(n[labkit::nvr_sim::kPcValues], 5u);    // A.values gathers
  EXPECT_EQ(n[labkit::nvr_sim::kPcGather], 5u);    // B.values gathers
  EXPECT_EQ(n[labkit::nvr_sim::kPcStore], 8u);     // 2 rows x 4 steps
  EXPECT_EQ(w.mem_ops, 30u);
  std::vector<std::uint32_t> ap, bq, comp;
  for (const auto& op : w.ops) {
    if (op.kind == OpKind::kCompute) comp.push_back(op.size);
    else if (op.pc == labkit::nvr_sim::kPcValues) ap.push_back(op.aux);
    else if (op.pc == labkit::nvr_sim::kPcGather) bq.push_back(op.aux);
  }
  EXPECT_EQ(ap, (std::vector<std::uint32_t>{0, 2, 1, 3, 4}));
  EXPECT_EQ(bq, (std::vector<std::uint32_t>{0, 1, 3, 0, 2}));
  EXPECT_EQ(comp, (std::vector<std::uint32_t>{8, 7, 7, 6}));
  // Value gathers wait for the step's last B.row_idx vector; B.row_idx waits for B.col_ptr.
  for (std::size_t i = 0; i < w.ops.size(); ++i) {
    const auto& op = w.ops[i];
    if (op.pc == labkit::nvr_sim::kPcValues || op.pc == labkit::nvr_sim::kPcGather) {
      ASSERT_GE(op.dep, 0);
      EXPECT_EQ(w.ops[op.dep].pc, labkit::nvr_sim::kPcBRowIdx);
    }
    if (op.pc == labkit::nvr_sim::kPcBRowIdx) EXPECT_EQ(w.ops[op.dep].pc, labkit::nvr_sim::kPcBColPtr);
  }
  EXPECT_TRUE(w.desc.two_sided);
}

// Random matrices: value gathers per step equal a brute-force count over dense boolean tiles.
TEST(Spgemm, ValueGathersMatchDenseBruteForce) {
  std::mt19937 rng(7);
  const std::uint32_t M = 70, K = 90, N = 50, T = 16;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> ea, eb;
  std::vector<std::vector<bool>> da(M, std::vector<bool>(K)), db(K, std::vector<bool>(N));
  std::bernoulli_distribution pa(0.05), pb(0.08);
  for (std::uint32_t i = 0; i < M; ++i)
    for (std::uint32_t k = 0; k < K; ++k)
      if (pa(rng)) ea.emplace_back(i, k), da[i][k] = true;
  for (std::uint32_t k = 0; k < K; ++k)
    for (std::uint32_t j = 0; j < N; ++j)
      if (pb(rng)) eb.emplace_back(k, j), db[k][j] = true;
  labkit::nvr_sim::NpuConfig npu = nvr_test::default_cfg().npu;
  npu.array_dim = T;
  const auto w = labkit::nvr_sim::build_spgemm(npu, csr(M, K, ea), std::make_shared<labkit::nvr_sim::CsrMatrix>(labkit::nvr_sim::transpose(*csr(K, N, eb))));
  // A.values[(i,k)] is needed in step (r, c) iff some j in the column tile has B(k, j); B.values[(k,j)]
  // iff some i in the row tile has A(i, k).
  std::uint64_t want_a = 0, want_b = 0, steps = 0;
  for (std::uint32_t r0 = 0; r0 < M; r0 += T)
    for (std::uint32_t c0 = 0; c0 < N; c0 += T, ++steps) {
      for (std::uint32_t i = r0; i < std::min(M, r0 + T); ++i)
        for (std::uint32_t k = 0; k < K; ++k) {
          if (!da[i][k]) continue;
          bool any = false;
          for (std::uint32_t j = c0; j < std::min(N, c0 + T); ++j) any |= db[k][j];
          want_a += any;
        }
      for (std::uint32_t j = c0; j < std::min(N, c0 + T); ++j)
        for (std::uint32_t k = 0; k < K; ++k) {
          if (!db[k][j]) continue;
          bool any = false;
          for (std::uint32_t i = r0; i < std::min(M, r0 + T); ++i) any |= da[i][k];
          want_b += any;
        }
    }
  auto n = count_by_pc(w);
  EXPECT_GT(want_a, 0u);
  EXPECT_EQ(n[labkit::nvr_sim::kPcValues], want_a);
  EXPECT_EQ(n[labkit::nvr_sim::kPcGather], want_b);
  EXPECT_EQ(n[labkit::nvr_sim::kPcBColPtr], steps);
  EXPECT_EQ(n[labkit::nvr_sim::kPcRowPtr], (M + T - 1) / T);
}

// NVR's two-chain runahead prefetches, for every step ahead, exactly the index and value lines of
// A's [s, e) (on a new row tile) and B's [bs, be): every later demand line is covered, and the
// redundant value lines are exactly those of the ranges that the intersection drops.
TEST(Spgemm, NvrPrefetchesBothChainsWithoutIntersecting) {
  auto cfg = nvr_test::default_cfg();
  cfg.workload.kind = "spgemm";
  cfg.workload.rows = cfg.workload.cols = 512;
  cfg.workload.density = 1.0 / 128;
  cfg.workload.dense_cols = 128;
  cfg.workload.b_density = 1.0 / 128;
  const auto w = labkit::nvr_sim::make_workload(cfg);
  labkit::nvr_sim::PrefetcherContext c;
  c.cfg = nvr_test::default_cfg().pf;  // defaults from the JSON, then the test's own values
  c.cfg.type = "nvr";
  c.cfg.window_lines = 1u << 30;  // unbounded window: everything after step 0 at once
  c.desc = &w.desc;
  const auto pf = labkit::nvr_sim::make_prefetcher(c);
  nvr_test::RecordingSink sink;
  std::set<std::uint64_t> demanded_values, demanded_index;
  std::size_t step = 0;
  for (const auto& op : w.ops) {
    if (op.kind == OpKind::kCompute) {
      ++step;
      continue;
    }
    if (op.kind == OpKind::kStore) continue;
    labkit::nvr_sim::MemAccess a;
    a.addr = op.addr, a.size = op.size, a.pc = op.pc, a.aux = op.aux;
    pf->on_access(a, sink);
    if (step < w.desc.n_col_tiles) continue;  // row tile 0 is where the NPU is when runahead starts
    for (std::uint64_t l = op.addr / 64; l <= (op.addr + op.size - 1) / 64; ++l)
      (op.pc == labkit::nvr_sim::kPcValues || op.pc == labkit::nvr_sim::kPcGather ? demanded_values : demanded_index).insert(l);
  }
  const auto got = sink.set();
  std::set<std::uint64_t> got_lines;
  for (auto a : got) got_lines.insert(a / 64);
  for (auto l : demanded_values) EXPECT_TRUE(got_lines.count(l)) << "value line " << l;
  for (auto l : demanded_index) EXPECT_TRUE(got_lines.count(l)) << "index line " << l;
  // Value lines the ranges of steps 1.. cover: B.values[bs, be) of every step, and A.values[s, e) of
  // every row tile after the first (row tile 0's A ranges belong to step 0, the NPU's own step).
  const auto& A = *w.desc.a;
  const auto& B = *w.desc.b;
  const std::uint32_t T = 16, nct = w.desc.n_col_tiles;
  std::set<std::uint64_t> range_values;
  for (std::uint32_t k = 1; k < (A.rows / T) * nct; ++k) {
    const std::uint32_t r = k / nct, cc = k % nct;
    if (cc == 0)
      for (std::uint32_t p = A.row_ptr[r * T]; p < A.row_ptr[r * T + T]; ++p)
        range_values.insert((w.desc.values_base + p * 4ull) / 64);
    for (std::uint32_t q = B.row_ptr[cc * T]; q < B.row_ptr[std::min(B.rows, cc * T + T)]; ++q)
      range_values.insert((w.desc.b_base + q * 4ull) / 64);
  }
  std::set<std::uint64_t> got_values;
  for (auto l : got_lines)
    if ((l * 64 >= w.desc.values_base && l * 64 < w.desc.values_base + 0x10000000) ||
        (l * 64 >= w.desc.b_base && l * 64 < w.desc.b_base + 0x10000000))
      got_values.insert(l);
  // The stride detector may add a few lines past a range end; the SCD itself covers exactly the ranges.
  for (auto l : range_values) EXPECT_TRUE(got_values.count(l)) << "range line " << l;
  EXPECT_LE(got_values.size(), range_values.size() + range_values.size() / 20 + 8);
  // Per step, the range lines that the step's demands do not touch are the traffic an oracle that
  // knows the intersection would not fetch: nonzero at these densities, and bounded by the ranges.
  std::vector<std::set<std::uint64_t>> dem(std::size_t((A.rows / T) * nct));
  std::size_t k = 0;
  for (const auto& op : w.ops) {
    if (op.kind == OpKind::kCompute) ++k;
    else if (op.pc == labkit::nvr_sim::kPcValues || op.pc == labkit::nvr_sim::kPcGather) dem[k].insert(op.addr / 64);
  }
  std::size_t redundant = 0, ranged = 0;
  for (std::uint32_t s = 0; s < dem.size(); ++s) {
    const std::uint32_t cc = s % nct;
    std::set<std::uint64_t> rl;
    for (std::uint32_t q = B.row_ptr[cc * T]; q < B.row_ptr[std::min(B.rows, cc * T + T)]; ++q)
      rl.insert((w.desc.b_base + q * 4ull) / 64);
    for (auto l : dem[s])
      if (l * 64 >= w.desc.b_base) EXPECT_TRUE(rl.count(l));
    ranged += rl.size();
    for (auto l : rl) redundant += !dem[s].count(l);
  }
  EXPECT_GT(redundant, 0u);
  EXPECT_LT(redundant, ranged);
}

TEST(Spgemm, EngineInvariantsForEveryPrefetcher) {
  auto cfg = nvr_test::default_cfg();
  cfg.workload.kind = "spgemm";
  cfg.workload.rows = cfg.workload.cols = 1024;
  cfg.workload.dense_cols = 1024;
  cfg.workload.density = cfg.workload.b_density = 1.0 / 64;
  const auto w = labkit::nvr_sim::make_workload(cfg);
  std::uint64_t lines = 0;
  for (const auto& op : w.ops)
    if (op.kind != OpKind::kCompute) lines += (op.addr + op.size - 1) / 64 - op.addr / 64 + 1;
  std::uint64_t none_misses = 0;
  for (const char* p : {"none", "stride", "stream", "imp", "dvr", "nvr"}) {
    cfg.pf.type = p;
    const auto s = labkit::nvr_sim::simulate(cfg, w);
    EXPECT_TRUE(labkit::nvr_sim::check_invariants(s).empty()) << p;
    EXPECT_EQ(s.demand_lines, lines) << p;
    if (std::string(p) == "none") none_misses = s.levels[0].misses;
    if (std::string(p) == "none") EXPECT_EQ(s.pf.issued, 0u);
    else EXPECT_GT(s.pf.issued, 0u) << p;
    // NVR covers both chains; the others see at most streams (measured: 433k NSB misses without
    // prefetching, 249k with stream, 92k with NVR).
    if (std::string(p) == "nvr") EXPECT_LT(s.levels[0].misses, none_misses / 3);
  }
}

TEST(Spgemm, BMatrixRowsMustMatchAColumns) {
  auto cfg = nvr_test::default_cfg();
  cfg.workload.kind = "spgemm";
  cfg.workload.matrix = nvr_test::data("sparse/karate.mtx");
  cfg.workload.b_matrix = nvr_test::data("sparse/dwt_878.mtx");
  try {
    labkit::nvr_sim::make_workload(cfg);
    FAIL() << "no error";
  } catch (const labkit::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("dwt_878.mtx"), std::string::npos) << e.what();
  }
}

}  // namespace
