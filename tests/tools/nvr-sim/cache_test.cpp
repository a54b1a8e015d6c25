// Cache array: set mapping, LRU and tree-PLRU victim order, dirty and prefetch bits.
#include <gtest/gtest.h>

#include "cache.h"
#include "test_util.h"

namespace {

labkit::nvr_sim::CacheConfig cc(std::uint64_t bytes, std::uint32_t ways, labkit::nvr_sim::Repl r) {
  labkit::nvr_sim::CacheConfig c = nvr_test::default_cfg().nsb;
  c.size_bytes = bytes;
  c.ways = ways;
  c.line_bytes = 64;
  c.repl = r;
  c.name = "t";
  return c;
}

TEST(Cache, SetIndexIsLineModSets) {
  labkit::nvr_sim::Cache c(cc(1024, 2, labkit::nvr_sim::Repl::kLru));  // 16 lines / 2 ways = 8 sets
  EXPECT_EQ(c.sets(), 8u);
  EXPECT_EQ(c.line_shift(), 6u);
  EXPECT_EQ(c.set_of(0x1234 >> 6), (0x1234u >> 6) % 8);
  c.insert(3, false, false);
  c.insert(11, false, false);  // same set 3
  c.insert(19, false, false);  // same set: evicts the LRU line 3
  EXPECT_EQ(c.find(3), -1);
  EXPECT_GE(c.find(11), 0);
  EXPECT_GE(c.find(19), 0);
}

TEST(Cache, LruVictimOrder) {
  labkit::nvr_sim::Cache c(cc(256, 4, labkit::nvr_sim::Repl::kLru));  // one set, 4 ways
  for (std::uint64_t l : {10, 11, 12, 13}) c.insert(l, false, false);  // ways 0..3
  c.touch(10, c.find(10));
  EXPECT_EQ(c.victim_way(0), 1);  // B (line 11) is least recently used
  auto v = c.insert(14, false, false);
  EXPECT_TRUE(v.valid);
  EXPECT_EQ(v.line, 11u);
  EXPECT_EQ(c.victim_way(0), 2);  // then C
}

TEST(Cache, TreePlruVictimOrder) {
  // Hand trace, 4 ways: fill A,B,C,D (ways 0..3), touch A. Tree bits: root points right (A was
  // left), left node points to B, right node points to C -> victim C (way 2), where LRU picks B.
  labkit::nvr_sim::Cache c(cc(256, 4, labkit::nvr_sim::Repl::kPlru));
  for (std::uint64_t l : {10, 11, 12, 13}) c.insert(l, false, false);
  c.touch(10, c.find(10));
  EXPECT_EQ(c.victim_way(0), 2);
  auto v = c.insert(14, false, false);  // E replaces C in way 2: root -> left, left node -> B
  EXPECT_EQ(v.line, 12u);
  EXPECT_EQ(c.victim_way(0), 1);
  c.touch(11, c.find(11));  // B used: root -> right, right node still points to way 3 (D)
  EXPECT_EQ(c.victim_way(0), 3);
}

TEST(Cache, DirtyAndPrefetchBitsTravelWithTheVictim) {
  labkit::nvr_sim::Cache c(cc(128, 2, labkit::nvr_sim::Repl::kLru));  // one set, 2 ways
  c.insert(1, true, false);
  c.insert(2, false, true);
  EXPECT_EQ(c.count_unused_prefetched(), 1u);
  auto v1 = c.insert(3, false, false);
  EXPECT_EQ(v1.line, 1u);
  EXPECT_TRUE(v1.dirty);
  EXPECT_FALSE(v1.prefetched_unused);
  auto v2 = c.insert(4, false, false);
  EXPECT_EQ(v2.line, 2u);
  EXPECT_FALSE(v2.dirty);
  EXPECT_TRUE(v2.prefetched_unused);
  c.set_dirty(3, c.find(3));
  EXPECT_TRUE(c.dirty(3, c.find(3)));
}

}  // namespace
