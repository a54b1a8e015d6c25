// Matrix Market reader (real SuiteSparse files and malformed ones), generators, kernels, traces.
#include <gtest/gtest.h>

#include <array>
#include <cstdlib>

#include <labkit/core/error.h>

#include "test_util.h"
#include "workload.h"
#include "error_of.h"

namespace {

using nvr_test::data;
using nvr_test::temp_file;

using labkit::test::error_of;  // tests/support/error_of.h

TEST(MatrixMarket, RealFilesAllKinds) {
  // pattern symmetric: 78 stored, no diagonal -> 156 nonzeros
  const auto k = labkit::nvr_sim::read_matrix_market(data("sparse/karate.mtx"));
  EXPECT_EQ(k.rows, 34u);
  EXPECT_EQ(k.nnz(), 156u);
  // real symmetric, lower triangle with full diagonal: 2 * 42943 - 2003
  const auto b = labkit::nvr_sim::read_matrix_market(data("sparse/bcsstk13.mtx"));
  EXPECT_EQ(b.rows, 2003u);
  EXPECT_EQ(b.nnz(), 2u * 42943u - 2003u);
  // real general: as stored
  const auto w = labkit::nvr_sim::read_matrix_market(data("sparse/west0479.mtx"));
  EXPECT_EQ(w.rows, 479u);
  EXPECT_EQ(w.nnz(), 1910u);
  // CSR structure: sorted unique columns per row, row_ptr consistent
  for (const auto* m : {&k, &b, &w}) {
    ASSERT_EQ(m->row_ptr.size(), m->rows + 1u);
    EXPECT_EQ(m->row_ptr.back(), m->nnz());
    for (std::uint32_t r = 0; r < m->rows; ++r)
      for (auto p = m->row_ptr[r] + 1; p < m->row_ptr[r + 1]; ++p) EXPECT_LT(m->col_idx[p - 1], m->col_idx[p]);
  }
  // symmetric: (i, j) present iff (j, i) present
  auto has = [&](std::uint32_t i, std::uint32_t j) {
    for (auto p = k.row_ptr[i]; p < k.row_ptr[i + 1]; ++p)
      if (k.col_idx[p] == j) return true;
    return false;
  };
  for (std::uint32_t i = 0; i < k.rows; ++i)
    for (auto p = k.row_ptr[i]; p < k.row_ptr[i + 1]; ++p) EXPECT_TRUE(has(k.col_idx[p], i));
}

TEST(MatrixMarket, HeaderClaimsAreBoundedByTheFile) {
  // Issue 14: a 3-line file declaring 4294967295 x 4294967295 grew past 4.7 GB; 1e15 entries ended in
  // bad_alloc without naming the file.
  const auto huge = temp_file("huge.mtx", "%%MatrixMarket matrix coordinate pattern general\n4294967295 4294967295 1\n1 1\n");
  auto msg = error_of([&] { labkit::nvr_sim::read_matrix_market(huge); });
  EXPECT_NE(msg.find(huge + ":2: declares 4294967295 x 4294967295"), std::string::npos) << msg;
  const auto many = temp_file("many.mtx", "%%MatrixMarket matrix coordinate pattern general\n10 10 1000000000000000\n1 1\n");
  msg = error_of([&] { labkit::nvr_sim::read_matrix_market(many); });
  EXPECT_NE(msg.find(many + ":2: declares 1000000000000000 entries, but the 4 bytes after the header hold at most 1"),
            std::string::npos) << msg;
  // Exactly as many entries as the bytes allow is fine.
  const auto tight = temp_file("tight.mtx", "%%MatrixMarket matrix coordinate pattern general\n2 2 2\n1 1\n2 2\n");
  EXPECT_EQ(labkit::nvr_sim::read_matrix_market(tight).nnz(), 2u);
}

TEST(MatrixMarket, MalformedFilesNameFileAndLine) {
  const auto bad_entry = temp_file("bad_entry.mtx",
                                   "%%MatrixMarket matrix coordinate real general\n% c\n3 3 2\n1 1 1.0\n2 x 3.0\n");
  auto msg = error_of([&] { labkit::nvr_sim::read_matrix_market(bad_entry); });
  EXPECT_NE(msg.find(bad_entry + ":5:"), std::string::npos) << msg;
  const auto range = temp_file("range.mtx", "%%MatrixMarket matrix coordinate pattern general\n2 2 1\n3 1\n");
  msg = error_of([&] { labkit::nvr_sim::read_matrix_market(range); });
  EXPECT_NE(msg.find(range + ":3:"), std::string::npos) << msg;
  EXPECT_NE(msg.find("outside"), std::string::npos) << msg;
  const auto short_file = temp_file("short.mtx", "%%MatrixMarket matrix coordinate real general\n2 2 3\n1 1 1\n% a comment\n");
  msg = error_of([&] { labkit::nvr_sim::read_matrix_market(short_file); });
  EXPECT_NE(msg.find("1 of 3 entries"), std::string::npos) << msg;
  const auto header = temp_file("header.mtx", "%MatrixMarket matrix coordinate real general\n1 1 0\n");
  msg = error_of([&] { labkit::nvr_sim::read_matrix_market(header); });
  EXPECT_NE(msg.find(header + ":1:"), std::string::npos) << msg;
  const auto array = temp_file("array.mtx", "%%MatrixMarket matrix array real general\n1 1\n1\n");
  EXPECT_NE(error_of([&] { labkit::nvr_sim::read_matrix_market(array); }).find("only coordinate"), std::string::npos);
  EXPECT_NE(error_of([&] { labkit::nvr_sim::read_matrix_market("/nonexistent.mtx"); }).find("/nonexistent.mtx"),
            std::string::npos);
}

TEST(Generators, ExactCountsAndDeterminism) {
  labkit::nvr_sim::WorkloadConfig w = nvr_test::default_cfg().workload;
  w.rows = w.cols = 10;
  w.generator = "banded";
  w.band = 1;
  EXPECT_EQ(labkit::nvr_sim::generate_matrix(w).nnz(), 28u);  // 3n - 2
  w.generator = "nm";
  w.rows = 4, w.cols = 8, w.nm_n = 2, w.nm_m = 4;
  const auto nm = labkit::nvr_sim::generate_matrix(w);
  EXPECT_EQ(nm.nnz(), 16u);
  for (std::uint32_t r = 0; r < 4; ++r)
    for (std::uint32_t g = 0; g < 8; g += 4) {
      int in_group = 0;
      for (auto p = nm.row_ptr[r]; p < nm.row_ptr[r + 1]; ++p) in_group += nm.col_idx[p] / 4 == g / 4;
      EXPECT_EQ(in_group, 2);
    }
  w.generator = "block";
  w.rows = w.cols = 64, w.block = 16, w.density = 1.0;
  EXPECT_EQ(labkit::nvr_sim::generate_matrix(w).nnz(), 64u * 64u);
  w.generator = "uniform";
  w.rows = w.cols = 1024, w.density = 0.01, w.seed = 3;
  const auto u1 = labkit::nvr_sim::generate_matrix(w), u2 = labkit::nvr_sim::generate_matrix(w);
  EXPECT_EQ(u1.col_idx, u2.col_idx);
  EXPECT_NEAR(double(u1.nnz()) / (1024.0 * 1024.0), 0.01, 0.001);
  w.generator = "rmat";
  const auto r = labkit::nvr_sim::generate_matrix(w);
  EXPECT_GT(r.nnz(), 0u);
  std::uint32_t max_row = 0;
  for (std::uint32_t i = 0; i < r.rows; ++i) max_row = std::max(max_row, r.row_ptr[i + 1] - r.row_ptr[i]);
  EXPECT_GT(max_row, 5 * r.nnz() / r.rows);  // heavy-tailed rows
  w.generator = "attention";
  w.rows = w.cols = 256, w.band = 4, w.density = 4.0 / 256;
  const auto at = labkit::nvr_sim::generate_matrix(w);
  for (std::uint32_t i = 0; i < at.rows; ++i) {
    EXPECT_LE(at.row_ptr[i + 1] - at.row_ptr[i], std::min(i, 4u) + 1 + 4);  // window + random picks
    EXPECT_GE(at.row_ptr[i + 1] - at.row_ptr[i], std::min(i, 4u) + 1);
    for (auto p = at.row_ptr[i]; p < at.row_ptr[i + 1]; ++p) EXPECT_LE(at.col_idx[p], i);  // causal
  }
  w.generator = "zipf";
  EXPECT_THROW(labkit::nvr_sim::generate_matrix(w), labkit::InputError);
}

TEST(Kernels, SpmmOpCountsAndDependencies) {
  auto cfg = nvr_test::default_cfg();
  cfg.workload.matrix = data("sparse/karate.mtx");
  cfg.workload.dense_cols = 64;  // 4 column tiles of 16
  const auto w = labkit::nvr_sim::make_workload(cfg);
  std::uint64_t gathers = 0, computes = 0, stores = 0;
  for (std::size_t i = 0; i < w.ops.size(); ++i) {
    const auto& op = w.ops[i];
    gathers += op.pc == labkit::nvr_sim::kPcGather;
    computes += op.kind == labkit::nvr_sim::OpKind::kCompute;
    stores += op.kind == labkit::nvr_sim::OpKind::kStore;
    EXPECT_LT(op.dep, std::int32_t(i));
    if (op.pc == labkit::nvr_sim::kPcGather) {
      EXPECT_EQ(op.size, 64u);
      EXPECT_EQ(op.addr % 64, 0u);
    }
  }
  EXPECT_EQ(gathers, 156u * 4);
  EXPECT_EQ(computes, 3u * 4);  // 34 rows -> 3 row tiles, x 4 column tiles
  EXPECT_EQ(stores, 34u * 4);
  cfg.workload.kind = "spmv";
  const auto v = labkit::nvr_sim::make_workload(cfg);
  std::uint64_t vg = 0;
  for (const auto& op : v.ops) vg += op.pc == labkit::nvr_sim::kPcGather && op.size == 4;
  EXPECT_EQ(vg, 156u);
  cfg.workload.kind = "sddmm";
  EXPECT_GT(labkit::nvr_sim::make_workload(cfg).ops.size(), 156u);
}

TEST(Trace, ParsesAndRejectsBadLines) {
  const auto ok = temp_file("ok.trace", "# addr trace\nR 0x1000 64\nW 4096 64 -1\nR 0x2000 128 0 7  # dep on line 0\n\n");
  const auto w = labkit::nvr_sim::read_trace(ok);
  ASSERT_EQ(w.ops.size(), 3u);
  EXPECT_EQ(w.ops[0].addr, 0x1000u);
  EXPECT_EQ(w.ops[1].kind, labkit::nvr_sim::OpKind::kStore);
  EXPECT_EQ(w.ops[2].dep, 0);
  EXPECT_EQ(w.ops[2].pc, 7);
  const auto bad = temp_file("bad.trace", "R 0x1000 64\nX 0x1000 64\n");
  EXPECT_NE(error_of([&] { labkit::nvr_sim::read_trace(bad); }).find(bad + ":2:"), std::string::npos);
  const auto fwd = temp_file("fwd.trace", "R 0x1000 64 3\n");
  EXPECT_NE(error_of([&] { labkit::nvr_sim::read_trace(fwd); }).find("earlier access"), std::string::npos);
  const auto size = temp_file("size.trace", "R 0x1000 abc\n");
  EXPECT_NE(error_of([&] { labkit::nvr_sim::read_trace(size); }).find(size + ":1:"), std::string::npos);
}

}  // namespace

namespace {

TEST(Trace, RefusesWrappedAddressesWidePcsAndTrailingJunk) {
  // Issue 14: these were dropped silently (speedup -nan), truncated to 16 bits or ignored.
  const std::pair<const char*, const char*> cases[] = {
      {"R -1 4\n", "bad address '-1'"},
      {"R 0xFFFFFFFFFFFFFFF0 4\n", "beyond 2^57"},
      {"R 0x1FFFFFFFFFFFFFC 8\n", "beyond 2^57"},
      {"R 0x1000 4 -1 0x10000 junk\n", "unexpected 'junk'"},
      {"R 0x1000 4 -1 -5\n", "bad pc '-5'"},
      {"R 0x1000 4x\n", "bad size '4x'"},
      {"R 0x1000 0\n", "bad size '0'"},
  };
  int n = 0;
  for (const auto& [text, want] : cases) {
    const auto path = temp_file("junk" + std::to_string(n++) + ".trace", text);
    const auto msg = error_of([&] { labkit::nvr_sim::read_trace(path); });
    EXPECT_NE(msg.find(path + ":1: "), std::string::npos) << msg;
    EXPECT_NE(msg.find(want), std::string::npos) << msg;
  }
  // A wide pc (an instruction pointer) is kept whole, and I lines are instruction fetches.
  const auto ok = temp_file("wide.trace", "I 0x401000 4\nR 0x1000 4 -1 0x7fffdeadbeef\n");
  const auto w = labkit::nvr_sim::read_trace(ok);
  ASSERT_EQ(w.ops.size(), 2u);
  EXPECT_EQ(w.ops[0].kind, labkit::nvr_sim::OpKind::kFetch);
  EXPECT_EQ(w.ops[1].pc, 0x7fffdeadbeefull);
  const auto only_fetch = temp_file("fetch.trace", "I 0x401000 4\n");
  EXPECT_NE(error_of([&] { labkit::nvr_sim::read_trace(only_fetch); }).find("no data accesses"), std::string::npos);
}

// One ChampSim input_instr record (64 bytes, little-endian).
std::string champsim_record(std::uint64_t ip, std::array<std::uint64_t, 2> dst, std::array<std::uint64_t, 4> src) {
  std::string r(64, '\0');
  auto put = [&r](std::size_t off, std::uint64_t v) {
    for (int i = 0; i < 8; ++i) r[off + i] = char((v >> (8 * i)) & 0xff);
  };
  put(0, ip);
  r[8] = 1;   // is_branch (ignored)
  r[10] = 6;  // a destination register (ignored)
  for (int k = 0; k < 2; ++k) put(16 + 8 * k, dst[k]);
  for (int k = 0; k < 4; ++k) put(32 + 8 * k, src[k]);
  return r;
}

TEST(ChampSim, ReadsRecordsInDispatchOrderAndCompressedStreams) {
  const std::string trace = champsim_record(0x401000, {0x7000, 0}, {0x1000, 0, 0x2008, 0}) +
                            champsim_record(0x401004, {0, 0}, {0, 0, 0, 0}) +  // no memory operand
                            champsim_record(0x401008, {0x3000, 0x3040}, {0x1040, 0, 0, 0});
  const auto raw = temp_file("t.champsim", trace);
  const auto w = labkit::nvr_sim::read_champsim_trace(raw, 0);
  // Sources (loads) in slot order, then destinations (stores); zero entries skipped.
  const std::uint64_t want_addr[] = {0x1000, 0x2008, 0x7000, 0x1040, 0x3000, 0x3040};
  const bool want_store[] = {false, false, true, false, true, true};
  const std::uint64_t want_pc[] = {0x401000, 0x401000, 0x401000, 0x401008, 0x401008, 0x401008};
  ASSERT_EQ(w.ops.size(), 6u);
  for (std::size_t i = 0; i < 6; ++i) {
    EXPECT_EQ(w.ops[i].addr, want_addr[i]) << i;
    EXPECT_EQ(w.ops[i].kind == labkit::nvr_sim::OpKind::kStore, want_store[i]) << i;
    EXPECT_EQ(w.ops[i].pc, want_pc[i]) << i;
    EXPECT_EQ(w.ops[i].size, 1u);
  }
  EXPECT_EQ(labkit::nvr_sim::read_champsim_trace(raw, 1).ops.size(), 3u);  // trace_limit: first record only
  // As distributed: xz and gzip streams give the same accesses.
  for (const char* tool : {"xz", "gzip"}) {
    const std::string packed = raw + (std::string(tool) == "xz" ? ".xz" : ".gz");
    ASSERT_EQ(std::system((std::string(tool) + " -kc " + raw + " > " + packed).c_str()), 0);
    const auto wz = labkit::nvr_sim::read_champsim_trace(packed, 0);
    ASSERT_EQ(wz.ops.size(), 6u) << tool;
    for (std::size_t i = 0; i < 6; ++i) EXPECT_EQ(wz.ops[i].addr, want_addr[i]);
    // A truncated compressed stream is refused, naming the file.
    const std::string cut = packed + ".cut" + (std::string(tool) == "xz" ? ".xz" : ".gz");
    ASSERT_EQ(std::system(("head -c 40 " + packed + " > " + cut).c_str()), 0);
    EXPECT_NE(error_of([&] { labkit::nvr_sim::read_champsim_trace(cut, 0); }).find(cut), std::string::npos) << tool;
  }
  // A trailing partial record is refused with its index (ChampSim drops it silently).
  const auto partial = temp_file("p.champsim", trace + std::string(10, '\1'));
  const auto msg = error_of([&] { labkit::nvr_sim::read_champsim_trace(partial, 0); });
  EXPECT_NE(msg.find(partial + ": record 3 truncated (10 of 64 bytes)"), std::string::npos) << msg;
  const auto wild = temp_file("w.champsim", champsim_record(1, {0, 0}, {0xFFFFFFFFFFFFFFF0ull, 0, 0, 0}));
  EXPECT_NE(error_of([&] { labkit::nvr_sim::read_champsim_trace(wild, 0); }).find("record 0: address"), std::string::npos);
  const auto empty = temp_file("e.champsim", "");
  EXPECT_NE(error_of([&] { labkit::nvr_sim::read_champsim_trace(empty, 0); }).find("no records"), std::string::npos);
}

}  // namespace
