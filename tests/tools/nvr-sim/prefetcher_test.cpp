// Each prefetcher on a hand-computed access stream.
#include <gtest/gtest.h>

#include <labkit/core/error.h>

#include "prefetch_common.h"
#include "test_util.h"

namespace {

using nvr_test::RecordingSink;

labkit::nvr_sim::PrefetcherContext ctx(const char* type, const labkit::nvr_sim::KernelDesc* d) {
  labkit::nvr_sim::PrefetcherContext c;
  c.cfg = nvr_test::default_cfg().pf;  // defaults from the JSON, then the test's own values
  c.cfg.type = type;
  c.cfg.degree = 4;
  c.cfg.distance = 16;
  c.cfg.window_lines = 10000;  // window large enough to see whole tiles
  c.desc = d;
  c.line_bytes = 64;
  c.fill_cache_lines = 256;
  return c;
}

labkit::nvr_sim::MemAccess load(std::uint64_t addr, std::uint32_t size, std::uint16_t pc, std::uint32_t aux = 0) {
  labkit::nvr_sim::MemAccess a;
  a.addr = addr;
  a.size = size;
  a.pc = pc;
  a.aux = aux;
  return a;
}

TEST(Prefetchers, FactoryKnowsAllAndRejectsUnknown) {
  labkit::nvr_sim::KernelDesc d;
  for (const char* t : {"none", "stride", "stream", "imp", "dvr", "nvr"})
    EXPECT_EQ(labkit::nvr_sim::make_prefetcher(ctx(t, &d))->name(), t);
  EXPECT_THROW(labkit::nvr_sim::make_prefetcher(ctx("markov", &d)), labkit::InputError);
}

TEST(Prefetchers, StrideNeedsTheSameStrideTwiceThenRunsDegreeAhead) {
  labkit::nvr_sim::KernelDesc d;
  auto p = labkit::nvr_sim::make_prefetcher(ctx("stride", &d));
  RecordingSink s;
  p->on_access(load(0x1000, 64, 7), s);
  p->on_access(load(0x1040, 64, 7), s);
  EXPECT_TRUE(s.addrs.empty());
  p->on_access(load(0x1080, 64, 7), s);
  EXPECT_EQ(s.addrs, (std::vector<std::uint64_t>{0x10c0, 0x1100, 0x1140, 0x1180}));
  s.addrs.clear();
  p->on_access(load(0x10c0, 64, 7), s);
  EXPECT_EQ(s.addrs, (std::vector<std::uint64_t>{0x11c0}));  // only the new one
  s.addrs.clear();
  p->on_access(load(0x9000, 64, 8), s);  // another PC: its own entry
  EXPECT_TRUE(s.addrs.empty());
}

TEST(Prefetchers, StreamConfirmsAscendingLinesWithinA4KRegion) {
  labkit::nvr_sim::KernelDesc d;
  auto p = labkit::nvr_sim::make_prefetcher(ctx("stream", &d));
  RecordingSink s;
  p->on_access(load(64 * 64, 64, 1), s);
  p->on_access(load(65 * 64, 64, 1), s);
  EXPECT_TRUE(s.addrs.empty());
  p->on_access(load(66 * 64, 64, 1), s);
  EXPECT_EQ(s.addrs, (std::vector<std::uint64_t>{67 * 64, 68 * 64, 69 * 64, 70 * 64}));
  s.addrs.clear();
  p->on_access(load(125 * 64, 64, 1), s);  // jump: retrains
  p->on_access(load(126 * 64, 64, 1), s);
  p->on_access(load(127 * 64, 64, 1), s);
  EXPECT_TRUE(s.addrs.empty());  // next line is in the next region: stop at the boundary
}

// Small CSR for the indirect prefetchers: rows {5,1,7}, {2,9}.
struct Kernel {
  labkit::nvr_sim::CsrMatrix a = labkit::nvr_sim::csr_from_coo(2, 16, {{0, 1}, {0, 5}, {0, 7}, {1, 2}, {1, 9}});
  labkit::nvr_sim::KernelDesc d;
  Kernel() {
    d.valid = true;
    d.col_idx_base = 0x20000000;
    d.row_ptr_base = 0x10000000;
    d.b_base = 0x40000000;
    d.b_row_bytes = 256;
    d.tile_bytes = 64;
    d.tile_rows = 16;
    d.a = &a;
  }
};

TEST(Prefetchers, ImpLearnsShiftAndBaseThenPrefetchesDistanceAhead) {
  Kernel k;  // col_idx = [1, 5, 7, 2, 9]
  auto p = labkit::nvr_sim::make_prefetcher(ctx("imp", &k.d));
  RecordingSink s;
  const std::uint64_t b = k.d.b_base + 64;  // column tile 1
  p->on_access(load(k.d.col_idx_base, 8, labkit::nvr_sim::kPcColIdx), s);       // not trained yet: nothing indirect
  p->on_access(load(b + 1 * 256, 64, labkit::nvr_sim::kPcGather, 0), s);
  p->on_access(load(b + 5 * 256, 64, labkit::nvr_sim::kPcGather, 1), s);       // base repeats only for shift 8
  EXPECT_EQ(p->stats()["shift"], 8);
  s.addrs.clear();
  p->on_access(load(k.d.col_idx_base, 8, labkit::nvr_sim::kPcColIdx), s);       // positions 0, 1 -> prefetch 2..4
  EXPECT_EQ(s.addrs, (std::vector<std::uint64_t>{b + 7 * 256, b + 2 * 256, b + 9 * 256}));
}

TEST(Prefetchers, EwmaLoopBound) {
  labkit::nvr_sim::Ewma e{0.3, 2.0};
  e.update(4);
  EXPECT_NEAR(e.value, 2.6, 1e-12);
  e.update(4);
  EXPECT_NEAR(e.value, 3.02, 1e-12);
  EXPECT_EQ(e.rounded(), 3u);
}

// 32 x 64 matrix, tile 0 (rows 0-15) has one nonzero per row, tile 1 (rows 16-31) four per row.
// dense_cols 32 with a 16x16 array: two column tiles of 64 B, B rows of 128 B.
struct TwoTiles {
  std::shared_ptr<labkit::nvr_sim::CsrMatrix> a;
  labkit::nvr_sim::Workload w;
  TwoTiles() {
    std::vector<std::pair<std::uint32_t, std::uint32_t>> e;
    for (std::uint32_t r = 0; r < 16; ++r) e.emplace_back(r, r);
    for (std::uint32_t r = 16; r < 32; ++r)
      for (std::uint32_t k = 0; k < 4; ++k) e.emplace_back(r, (r + 8 * k) % 64);
    a = std::make_shared<labkit::nvr_sim::CsrMatrix>(labkit::nvr_sim::csr_from_coo(32, 64, e));
    labkit::nvr_sim::WorkloadConfig wc = nvr_test::default_cfg().workload;
    wc.dense_cols = 32;
    labkit::nvr_sim::NpuConfig npu = nvr_test::default_cfg().npu;
    w = labkit::nvr_sim::build_kernel(wc, npu, a);
  }
  // Feed the ops up to and including the first gather; return the B lines prefetched.
  std::set<std::uint64_t> first_gather(labkit::nvr_sim::Prefetcher& p) {
    RecordingSink s;
    for (const auto& op : w.ops) {
      if (op.kind == labkit::nvr_sim::OpKind::kCompute) continue;
      p.on_access(load(op.addr, op.size, op.pc, op.aux), s);
      if (op.pc == labkit::nvr_sim::kPcGather) break;
    }
    std::set<std::uint64_t> lines;
    for (auto x : s.addrs)
      if (x >= w.desc.b_base && x < w.desc.out_base) lines.insert(x / 64);
    return lines;
  }
  std::uint64_t line(std::uint64_t p, std::uint32_t c) const {
    return (w.desc.b_base + std::uint64_t(a->col_idx[p]) * 128 + c * 64) / 64;
  }
};

TEST(Prefetchers, NvrUsesExactNextTileBoundsDvrEstimatesThem) {
  TwoTiles t;
  ASSERT_EQ(t.w.desc.n_col_tiles, 2u);
  ASSERT_EQ(t.a->nnz(), 80u);
  // Every gather after the first, in both column tiles: (p, c) for p in [0, 80), minus (0, 0).
  std::set<std::uint64_t> all;
  for (std::uint64_t p = 0; p < 80; ++p)
    for (std::uint32_t c = 0; c < 2; ++c)
      if (p || c) all.insert(t.line(p, c));
  auto nvr_p = labkit::nvr_sim::make_prefetcher(ctx("nvr", &t.w.desc));
  EXPECT_EQ(t.first_gather(*nvr_p), all);  // exact: no line outside the kernel's gathers, none missing

  // DVR: tile 0's rows have length 1, so EWMA(row length) ~ 1 and it expects tile 1 to hold
  // round(16 x 1.003) = 16 positions [16, 32) of its 64.
  auto dvr_p = labkit::nvr_sim::make_prefetcher(ctx("dvr", &t.w.desc));
  std::set<std::uint64_t> expect;
  for (std::uint64_t p = 0; p < 16; ++p)
    for (std::uint32_t c = 0; c < 2; ++c)
      if (p || c) expect.insert(t.line(p, c));
  for (std::uint64_t p = 16; p < 32; ++p)
    for (std::uint32_t c = 0; c < 2; ++c) expect.insert(t.line(p, c));
  EXPECT_EQ(t.first_gather(*dvr_p), expect);
}

TEST(Prefetchers, NvrWindowThrottlesOnUselessFeedback) {
  TwoTiles t;
  auto c = ctx("nvr", &t.w.desc);
  c.cfg.window_lines = 64;
  auto p = labkit::nvr_sim::make_prefetcher(c);
  EXPECT_EQ(p->stats()["window_lines"], 64);
  for (int i = 0; i < 64; ++i) p->on_feedback(false);  // accuracy 0 < throttle_low
  EXPECT_EQ(p->stats()["window_lines"], 32);
  for (int i = 0; i < 64; ++i) p->on_feedback(true);  // accuracy 1 > throttle_high
  EXPECT_EQ(p->stats()["window_lines"], 64);
}

// Lateness: accurate but late prefetches widen the window past the configured one, up to twice it
// (capped at 3/4 of the fill cache); timely ones bring it back.
TEST(Prefetchers, NvrWindowWidensWhenAccuratePrefetchesAreLate) {
  TwoTiles t;
  auto c = ctx("nvr", &t.w.desc);
  c.cfg.window_lines = 64;
  c.cfg.throttle_late = 0.5;  // the default, 1, turns widening off
  c.fill_cache_lines = 256;
  auto p = labkit::nvr_sim::make_prefetcher(c);
  auto epoch = [&](int late, int useful, int useless) {
    for (int i = 0; i < useful; ++i) {
      if (i < late) p->on_late();
      p->on_feedback(true);
    }
    for (int i = 0; i < useless; ++i) p->on_feedback(false);
  };
  epoch(32, 64, 0);  // late/useful = 0.5: not above throttle_late
  EXPECT_EQ(p->stats()["window_lines"], 64);
  epoch(40, 64, 0);  // 0.625 > 0.5
  EXPECT_EQ(p->stats()["window_lines"], 128);
  epoch(60, 64, 0);  // still late, already at 2 x 64
  EXPECT_EQ(p->stats()["window_lines"], 128);
  EXPECT_EQ(p->stats()["late_widenings"], 1);
  epoch(40, 50, 14);  // late but accuracy 50/64 > 0.3: stays wide
  EXPECT_EQ(p->stats()["window_lines"], 128);
  epoch(0, 64, 0);  // timely again: back to the configured window
  EXPECT_EQ(p->stats()["window_lines"], 64);
  epoch(64, 4, 60);  // late but inaccurate (4/64 < 0.1): halves
  EXPECT_EQ(p->stats()["window_lines"], 32);
  // A small fill cache caps the widening at 3/4 of it.
  c.fill_cache_lines = 96;
  auto q = labkit::nvr_sim::make_prefetcher(c);
  for (int i = 0; i < 64; ++i) {
    q->on_late();
    q->on_feedback(true);
  }
  EXPECT_EQ(q->stats()["window_lines"], 72);
}

}  // namespace
