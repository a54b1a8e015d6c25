// MSHR reservations and merging; DRAM bank/bus timing on a hand-computed sequence.
#include <gtest/gtest.h>

#include <labkit/core/error.h>

#include "settings.h"
#include "dram.h"
#include "mshr.h"
#include "test_util.h"

namespace {
// The hand-timed DRAM of these tests: 10-cycle controller latency, 64 B line in a 2-cycle burst (32 B per
// cycle), 2 banks of 1 KiB rows, tCAS = tRCD = tRP = 5.
labkit::nvr_sim::DramConfig two_bank_dram() {
  labkit::nvr_sim::DramConfig c = nvr_test::default_cfg().dram;
  c.latency = 10;
  c.bytes_per_cycle = 32;
  c.banks = 2;
  c.row_bytes = 1024;
  c.t_cas = c.t_rcd = c.t_rp = 5;
  return c;
}
}  // namespace

TEST(Mshr, FiniteSlotsDelayTheThirdMiss) {
  labkit::nvr_sim::Mshr m(2);
  EXPECT_EQ(m.reserve(10), 10u);
  m.add(1, 100, false);
  EXPECT_EQ(m.reserve(20), 20u);
  m.add(2, 150, true);
  EXPECT_EQ(m.free_now(), 0u);
  EXPECT_EQ(m.earliest_ready(), 100u);
  EXPECT_EQ(m.reserve(30), 100u);  // waits for the slot line 1 frees
  ASSERT_NE(m.find(2), nullptr);
  EXPECT_TRUE(m.find(2)->prefetch);
  EXPECT_EQ(m.find(3), nullptr);
  m.remove(1);
  EXPECT_EQ(m.in_flight(), 1u);
  EXPECT_EQ(m.free_now(), 1u);
}

TEST(Dram, BankAndBusTimingByHand) {
  labkit::nvr_sim::DramConfig c = two_bank_dram();
  labkit::nvr_sim::Dram d(c, 64);
  // bank 0 idle: tRCD + tCAS = 10, burst 10..11, +2 +10 -> 22
  EXPECT_EQ(d.access(0, 0, false), 22u);
  // bank 0 same row: waits for the bank (free at 10), tCAS 5 -> data 15, done 15 + 2 + 10
  EXPECT_EQ(d.access(64, 0, false), 27u);
  // bank 1 idle: data ready at 10 but the bus is busy 10..11 -> 12, done 24
  EXPECT_EQ(d.access(1024, 0, false), 24u);
  // bank 0, row 1: conflict; bank free at 15, tRP + tRCD + tCAS = 15 -> data 30, done 42
  EXPECT_EQ(d.access(2048, 0, false), 42u);
  const auto& s = d.stats();
  EXPECT_EQ(s.row_hits, 1u);
  EXPECT_EQ(s.row_empty, 2u);
  EXPECT_EQ(s.row_conflicts, 1u);
  EXPECT_EQ(s.reads, 4u);
  EXPECT_EQ(s.bytes, 256u);
  d.access(4096, 100, true);
  EXPECT_EQ(d.stats().writes, 1u);
}

TEST(Dram, ChannelsInterleaveAndHaveTheirOwnBanksAndBus) {
  labkit::nvr_sim::DramConfig c = two_bank_dram();
  c.channels = 2;
  c.interleave_bytes = 256;
  c.t_refi = 0;
  labkit::nvr_sim::Dram d(c, 64);
  EXPECT_EQ(d.channel_of(0), 0u);
  EXPECT_EQ(d.channel_of(256), 1u);
  EXPECT_EQ(d.channel_of(512 + 64), 0u);
  EXPECT_EQ(d.local_addr(512 + 64), 256u + 64);
  EXPECT_EQ(d.local_addr(256 + 64), 64u);
  EXPECT_EQ(d.local_addr(768), 256u);
  // channel 0, bank 0 idle: 10 + burst 2 + 10 -> 22
  EXPECT_EQ(d.access(0, 0, false), 22u);
  // channel 1 has its own idle bank and bus: also 22 (one channel: row hit behind the bank -> 27)
  EXPECT_EQ(d.access(256, 0, false), 22u);
  // channel 0, local 256: bank 0, row 0 open: waits for the bank (10), tCAS 5 -> data 15, done 27
  EXPECT_EQ(d.access(512, 0, false), 27u);
  EXPECT_EQ(d.stats().row_hits, 1u);
  EXPECT_EQ(d.stats().row_empty, 2u);
  // Non-power-of-two channel count maps by division.
  c.channels = 3;
  labkit::nvr_sim::Dram d3(c, 64);
  EXPECT_EQ(d3.channel_of(256 * 4), 1u);
  EXPECT_EQ(d3.local_addr(256 * 4 + 8), 256u + 8);
}

TEST(Dram, RefreshStallsCommandsAndClosesRows) {
  labkit::nvr_sim::DramConfig c = two_bank_dram();
  c.t_refi = 100;
  c.t_rfc = 20;  // refreshes in [100, 120), [200, 220), ...
  labkit::nvr_sim::Dram d(c, 64);
  EXPECT_EQ(d.access(0, 50, false), 72u);     // before any refresh: idle bank, 50 + 10 + 2 + 10
  EXPECT_EQ(d.access(64, 105, false), 142u);  // waits to 120; the refresh closed row 0: 120 + 10 + 2 + 10
  EXPECT_EQ(d.access(128, 150, false), 167u); // same interval, row open again: 150 + 5 + 2 + 10
  EXPECT_EQ(d.access(1024, 210, false), 242u);  // bank 1 waits to 220: 220 + 10 + 2 + 10
  const auto& s = d.stats();
  EXPECT_EQ(s.refresh_stalls, 2u);
  EXPECT_EQ(s.refresh_wait, 25u);
  EXPECT_EQ(s.row_hits, 1u);
  EXPECT_EQ(s.row_empty, 3u);
  EXPECT_EQ(s.row_conflicts, 0u);
}

TEST(Dram, BadChannelAndRefreshConfigs) {
  auto expect_bad = [](const char* key, nlohmann::json v, const char* what) {
    auto j = labkit::nvr_sim::default_config();
    j["dram"][key] = v;
    try {
      labkit::nvr_sim::parse_config(j);
      ADD_FAILURE() << key << " accepted";
    } catch (const labkit::InputError& e) {
      EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
    }
  };
  expect_bad("channels", 0, "dram.channels");
  expect_bad("interleave_bytes", 96, "dram.interleave_bytes");
  expect_bad("t_rfc", 8000, "dram.t_rfc");
}
