// Engine timing on hand-computed traces, prefetch accounting (ChampSim/gem5 rules), invariants.
#include <gtest/gtest.h>

#include <chrono>

#include <labkit/core/error.h>

#include "engine.h"
#include "test_util.h"

namespace {

using nvr_test::tiny_cfg;

labkit::nvr_sim::Workload empty_workload() {
  labkit::nvr_sim::Workload w;
  w.name = "hand";
  return w;
}

TEST(Engine, MissThenHitByHand) {
  const auto w = empty_workload();
  labkit::nvr_sim::Engine e(tiny_cfg(), w);
  // NSB miss (2) -> L2 at 2, miss (10) -> DRAM at 12: idle bank tRCD+tCAS 10 -> 22, burst 2, +10 -> 34.
  EXPECT_EQ(e.demand(0, 0, false), 34u);
  EXPECT_EQ(e.demand(0, 40, false), 42u);  // filled at 34: NSB hit, latency 2
  const auto s = e.finish();
  ASSERT_EQ(s.levels.size(), 2u);
  EXPECT_EQ(s.levels[0].accesses, 2u);
  EXPECT_EQ(s.levels[0].hits, 1u);
  EXPECT_EQ(s.levels[0].misses, 1u);
  EXPECT_EQ(s.levels[1].accesses, 1u);
  EXPECT_EQ(s.levels[1].misses, 1u);
  EXPECT_EQ(s.dram.reads, 1u);
  EXPECT_TRUE(labkit::nvr_sim::check_invariants(s).empty());
}

TEST(Engine, SameLineMissesMergeInTheMshr) {
  const auto w = empty_workload();
  labkit::nvr_sim::Engine e(tiny_cfg(), w);
  EXPECT_EQ(e.demand(0, 0, false), 34u);
  EXPECT_EQ(e.demand(32, 1, false), 34u);  // same 64 B line, in flight: merges, same completion
  const auto s = e.finish();
  EXPECT_EQ(s.levels[0].misses, 2u);
  EXPECT_EQ(s.levels[0].mshr_merges, 1u);
  EXPECT_EQ(s.levels[1].accesses, 1u);  // only one request went down
  EXPECT_EQ(s.dram.reads, 1u);
}

TEST(Engine, PrefetchUsefulLateAndUseless) {
  const auto w = empty_workload();
  {
    labkit::nvr_sim::Engine e(tiny_cfg(), w);
    e.prefetch(0x1000);
    e.kick_prefetch_queue(0);
    e.advance_to(0);
    EXPECT_EQ(e.demand(0x1000, 100, false), 102u);  // arrived at 34: hit on a prefetched line
    e.prefetch(0x2000);
    e.kick_prefetch_queue(100);
    e.advance_to(100);
    // 0x2000: bank 0 row 4 vs open row 2 -> conflict at 112 + 15 = 127, +2 +10 = 139
    EXPECT_EQ(e.demand(0x2000, 101, false), 139u);  // merges into the in-flight prefetch: late
    EXPECT_EQ(e.demand(0x1000, 200, false), 202u);  // second use of a prefetched line: not useful again
    const auto s = e.finish();
    EXPECT_EQ(s.pf.requested, 2u);
    EXPECT_EQ(s.pf.issued, 2u);
    EXPECT_EQ(s.pf.useful, 2u);
    EXPECT_EQ(s.pf.late, 1u);
    EXPECT_EQ(s.pf.useless, 0u);
    EXPECT_TRUE(labkit::nvr_sim::check_invariants(s).empty());
  }
  {
    labkit::nvr_sim::Engine e(tiny_cfg(), w);
    e.prefetch(0);  // NSB set 0
    e.prefetch(0);  // already queued
    e.kick_prefetch_queue(0);
    e.advance_to(0);
    e.prefetch(0);  // already in flight: redundant when drained
    e.kick_prefetch_queue(1);
    e.advance_to(1);
    e.demand(0x200, 100, false);  // set 0
    e.demand(0x400, 200, false);  // set 0: its fill evicts the LRU line, the unused prefetch
    const auto s = e.finish();
    EXPECT_EQ(s.pf.requested, 3u);
    EXPECT_EQ(s.pf.duplicate, 1u);
    EXPECT_EQ(s.pf.redundant, 1u);
    EXPECT_EQ(s.pf.issued, 1u);
    EXPECT_EQ(s.pf.useful, 0u);
    EXPECT_EQ(s.pf.useless, 1u);
    EXPECT_TRUE(labkit::nvr_sim::check_invariants(s).empty());
  }
}

labkit::nvr_sim::Workload trace_of(std::vector<labkit::nvr_sim::Op> ops) {
  labkit::nvr_sim::Workload w;
  w.name = "ops";
  w.ops = std::move(ops);
  for (const auto& o : w.ops) w.mem_ops += o.kind != labkit::nvr_sim::OpKind::kCompute;
  return w;
}

TEST(Engine, DependencySerialisesLoads) {
  using labkit::nvr_sim::Op;
  using labkit::nvr_sim::OpKind;
  const auto indep = trace_of({Op{0, 64, OpKind::kLoad, 1, -1, 0}, Op{4096, 64, OpKind::kLoad, 1, -1, 0}});
  const auto dep = trace_of({Op{0, 64, OpKind::kLoad, 1, -1, 0}, Op{4096, 64, OpKind::kLoad, 1, 0, 0}});
  const auto a = labkit::nvr_sim::simulate(tiny_cfg(), indep);
  const auto b = labkit::nvr_sim::simulate(tiny_cfg(), dep);
  EXPECT_LT(a.cycles, 60u);   // overlapped: one latency plus a few cycles
  EXPECT_GE(b.cycles, 68u);   // second issues at 34, then its own miss
  EXPECT_EQ(b.inflight_at_end, 0u);
}

TEST(Engine, StoresWaitForComputeWithoutBlockingLaterLoads) {
  using labkit::nvr_sim::Op;
  using labkit::nvr_sim::OpKind;
  // load A (arrives at 34), compute 1000 cycles (34..1034), store C after it, then load B.
  const auto w = trace_of({Op{0, 64, OpKind::kLoad, 1, -1, 0}, Op{0, 1000, OpKind::kCompute, 0, -1, 0},
                           Op{0x8000, 64, OpKind::kStore, 5, 1, 0}, Op{4096, 64, OpKind::kLoad, 1, -1, 0}});
  const auto s = labkit::nvr_sim::simulate(tiny_cfg(), w);
  // The store issues at 1034 and hits the NSB (write-validate): done at 1036. Load B went at cycle 1,
  // long before; had it queued behind the store it would end near 1034 + 34.
  EXPECT_EQ(s.cycles, 1036u);
  EXPECT_EQ(s.levels[0].accesses, 3u);
  EXPECT_TRUE(labkit::nvr_sim::check_invariants(s).empty());
}

TEST(Engine, FiniteMshrsLimitParallelMisses) {
  using labkit::nvr_sim::Op;
  using labkit::nvr_sim::OpKind;
  std::vector<Op> ops;
  for (int i = 0; i < 8; ++i) ops.push_back(Op{std::uint64_t(i) * 64, 64, OpKind::kLoad, 1, -1, 0});
  const auto w = trace_of(ops);
  auto one = tiny_cfg();
  one.nsb.mshrs = 1;
  const auto s1 = labkit::nvr_sim::simulate(one, w);
  const auto s4 = labkit::nvr_sim::simulate(tiny_cfg(), w);
  EXPECT_GT(s1.cycles, 2 * s4.cycles);
  EXPECT_TRUE(labkit::nvr_sim::check_invariants(s1).empty());
}

TEST(Engine, IdleCyclesAreSkipped) {
  using labkit::nvr_sim::Op;
  using labkit::nvr_sim::OpKind;
  const auto w = trace_of({Op{0, 64, OpKind::kLoad, 1, -1, 0}, Op{0, 4000000000u,
                                                                  OpKind::kCompute, 0, -1, 0},
                           Op{64, 64, OpKind::kLoad, 1, 1, 0}});
  const auto t0 = std::chrono::steady_clock::now();
  const auto s = labkit::nvr_sim::simulate(tiny_cfg(), w);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_GE(s.cycles, 4000000000ull);
  EXPECT_LT(secs, 0.5);  // 4e9 cycles simulated without visiting them
}

TEST(Engine, InvariantsHoldForEveryPrefetcherOnARealMatrix) {
  auto cfg = nvr_test::default_cfg();
  cfg.workload.matrix = nvr_test::data("sparse/dwt_878.mtx");
  const auto w = labkit::nvr_sim::make_workload(cfg);
  std::uint64_t lines = 0;
  for (const auto& op : w.ops)
    if (op.kind != labkit::nvr_sim::OpKind::kCompute) lines += (op.addr + op.size - 1) / 64 - op.addr / 64 + 1;
  std::uint64_t none_cycles = 0;
  for (const char* p : {"none", "stride", "stream", "imp", "dvr", "nvr"}) {
    cfg.pf.type = p;
    const auto s = labkit::nvr_sim::simulate(cfg, w);
    EXPECT_TRUE(labkit::nvr_sim::check_invariants(s).empty()) << p << ": " << labkit::nvr_sim::check_invariants(s).front();
    EXPECT_EQ(s.demand_lines, lines) << p;
    EXPECT_EQ(s.levels[0].accesses, lines) << p;
    EXPECT_GE(s.cycles, s.compute_cycles / 2) << p;
    if (std::string(p) == "none") {
      none_cycles = s.cycles;
      EXPECT_EQ(s.pf.issued, 0u);
    } else {
      EXPECT_GT(s.pf.issued, 0u) << p;
    }
    if (std::string(p) == "nvr") {
      EXPECT_LT(s.cycles, none_cycles);
    }
  }
}

TEST(Engine, SameRunTwiceIsIdentical) {
  auto cfg = nvr_test::default_cfg();
  cfg.workload.rows = cfg.workload.cols = 512;
  cfg.workload.density = 0.02;
  const auto w = labkit::nvr_sim::make_workload(cfg);
  const auto a = labkit::nvr_sim::simulate(cfg, w), b = labkit::nvr_sim::simulate(cfg, w);
  EXPECT_EQ(a.cycles, b.cycles);
  EXPECT_EQ(a.pf.useful, b.pf.useful);
}

}  // namespace

namespace {

labkit::nvr_sim::Workload trace_workload(std::vector<labkit::nvr_sim::Op> ops) {
  labkit::nvr_sim::Workload w;
  w.name = "hand";
  w.ops = std::move(ops);
  w.mem_ops = w.ops.size();
  return w;
}

TEST(Engine, PartialStoreMissFetchesItsLineFullLineStoreDoesNot) {
  // Issue 15: a store narrower than its line must fetch the line (write-allocate); only a store of
  // the whole line may install it without a fetch (write-validate).
  const auto w = empty_workload();
  labkit::nvr_sim::Engine e(tiny_cfg(), w);
  // Same timing as a load miss (NSB 2 + L2 10 + DRAM 22): the line is fetched.
  EXPECT_EQ(e.demand(0x100, 0, true, false), 34u);
  EXPECT_EQ(e.demand(0x1000, 100, true, true), 102u);  // full line: NSB latency only
  const auto s = e.finish();
  EXPECT_EQ(s.levels[0].write_accesses, 2u);
  EXPECT_EQ(s.levels[0].write_misses, 2u);
  EXPECT_EQ(s.levels[1].accesses, 1u);  // only the partial store went down...
  EXPECT_EQ(s.levels[1].write_misses, 1u);  // ...as a write miss there (valgrind's DLmw)
  EXPECT_EQ(s.dram.reads, 1u);
  EXPECT_TRUE(labkit::nvr_sim::check_invariants(s).empty());
}

TEST(Engine, NarrowStoresInTheTimedModelFetchTheirLines) {
  // 8-byte stores to 8 distinct lines: 8 L2 write misses, 8 DRAM reads; 64-byte aligned ones: none.
  for (const std::uint32_t size : {8u, 64u}) {
    std::vector<labkit::nvr_sim::Op> ops;
    for (std::uint64_t i = 0; i < 8; ++i) ops.push_back(labkit::nvr_sim::Op{0x10000 + 64 * i, size, labkit::nvr_sim::OpKind::kStore, 5, -1, 0});
    const auto w = trace_workload(ops);
    const auto s = labkit::nvr_sim::simulate(tiny_cfg(), w);
    EXPECT_EQ(s.levels[1].write_misses, size == 8 ? 8u : 0u) << size;
    EXPECT_EQ(s.dram.reads, size == 8 ? 8u : 0u) << size;
  }
}

labkit::nvr_sim::SimConfig program_cfg() {
  auto j = nvr_test::tiny_cfg_json();
  j["workload"]["kind"] = "trace";
  j["workload"]["trace"] = "hand";
  j["workload"]["trace_order"] = "program";
  j["l2"]["writeback_allocate"] = false;
  return labkit::nvr_sim::parse_config(j);
}

TEST(Engine, ProgramOrderCountsAccessesLikeValgrind) {
  using labkit::nvr_sim::Op;
  using labkit::nvr_sim::OpKind;
  // NSB 1 KiB 2-way (8 sets), L2 4 KiB 4-way, 64 B lines.
  const auto w = trace_workload({
      Op{0x1000, 4, OpKind::kLoad, 0, -1, 0},    // miss, miss
      Op{0x103c, 8, OpKind::kLoad, 0, -1, 0},    // straddles 0x1000|0x1040: one access, one miss (0x1040)
      Op{0x1040, 4, OpKind::kStore, 0, -1, 0},   // hit, dirties the line
      Op{0x3000, 4, OpKind::kStore, 0, -1, 0},   // write miss at both levels (write-allocate)
      Op{0x400000, 4, OpKind::kFetch, 0, -1, 0}, // instruction side: its own first level, L2 read miss
  });
  const auto s = labkit::nvr_sim::simulate(program_cfg(), w);
  ASSERT_EQ(s.levels.size(), 3u);
  const auto& nsb = s.levels[0];
  const auto& l2 = s.levels[1];
  const auto& l1i = s.levels[2];
  EXPECT_EQ(nsb.accesses, 4u);
  EXPECT_EQ(nsb.misses, 3u);
  EXPECT_EQ(nsb.write_accesses, 2u);
  EXPECT_EQ(nsb.write_misses, 1u);
  // The straddling access missed at the NSB, so both its lines were looked up in the L2: 0x1000 hit.
  EXPECT_EQ(l2.accesses, 4u);
  EXPECT_EQ(l2.hits, 0u + 0u);  // an access hits only if all its lines do: 0x1040 was new
  EXPECT_EQ(l2.misses, 4u);
  EXPECT_EQ(l2.write_misses, 1u);
  EXPECT_EQ(l1i.name, "l1i");
  EXPECT_EQ(l1i.accesses, 1u);
  EXPECT_EQ(l1i.misses, 1u);
  EXPECT_EQ(s.dram.reads, 4u);  // 0x1000, 0x1040, 0x3000, 0x400000
  EXPECT_TRUE(labkit::nvr_sim::check_invariants(s).empty());
}

TEST(Config, ProgramOrderNeedsATraceAndNoPrefetcher) {
  auto j = nvr_test::tiny_cfg_json();
  j["workload"]["trace_order"] = "program";
  try {
    labkit::nvr_sim::parse_config(j);
    FAIL();
  } catch (const labkit::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("workload.trace_order"), std::string::npos);
  }
  j["workload"]["kind"] = "trace";
  j["workload"]["trace"] = "x";
  j["prefetcher"]["type"] = "nvr";
  try {
    labkit::nvr_sim::parse_config(j);
    FAIL();
  } catch (const labkit::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("prefetcher.type"), std::string::npos);
  }
}

}  // namespace
