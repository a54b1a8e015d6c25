// MSHR reservations and merging; DRAM bank/bus timing on a hand-computed sequence.
#include <gtest/gtest.h>

#include "dram.h"
#include "mshr.h"

TEST(Mshr, FiniteSlotsDelayTheThirdMiss) {
  nvr::Mshr m(2);
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
  nvr::DramConfig c;
  c.latency = 10;
  c.bytes_per_cycle = 32;  // 64 B line -> 2-cycle burst
  c.banks = 2;
  c.row_bytes = 1024;
  c.t_cas = c.t_rcd = c.t_rp = 5;
  nvr::Dram d(c, 64);
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
