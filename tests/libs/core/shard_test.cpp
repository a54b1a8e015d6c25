#include "labkit/core/shard.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "labkit/core/error.h"

using labkit::InputError;
using labkit::Shard;

TEST(Shard, Parse) {
  const Shard s = Shard::parse("2/5");
  EXPECT_EQ(s.index, 2);
  EXPECT_EQ(s.count, 5);
  EXPECT_EQ(s.str(), "2/5");
  for (const char* bad : {"5/5", "-1/3", "1/0", "a/b", "1", "1/", "/3", "1/3/4"})
    EXPECT_THROW(Shard::parse(bad), InputError) << bad;
}

TEST(Shard, RoundRobinCoversEachItemOnce) {
  for (int count = 1; count <= 5; ++count) {
    for (int k = 0; k < 23; ++k) {
      int owners = 0;
      for (int i = 0; i < count; ++i) owners += Shard{i, count}.owns(k);
      EXPECT_EQ(owners, 1);
    }
  }
}

TEST(Shard, BlocksPartitionTheRange) {
  const std::int64_t n = 10;
  std::int64_t expected_begin = 0;
  for (int i = 0; i < 4; ++i) {
    auto [b, e] = Shard{i, 4}.block(n);
    EXPECT_EQ(b, expected_begin);
    EXPECT_GE(e - b, 2);
    EXPECT_LE(e - b, 3);
    expected_begin = e;
  }
  EXPECT_EQ(expected_begin, n);
}

TEST(Shard, FromSlurmEnvironment) {
  ::unsetenv("SLURM_ARRAY_TASK_MIN");
  ::setenv("SLURM_ARRAY_TASK_ID", "3", 1);
  ::setenv("SLURM_ARRAY_TASK_COUNT", "4", 1);
  Shard s = Shard::from_environment();
  EXPECT_EQ(s.index, 3);
  EXPECT_EQ(s.count, 4);

  // --array=1-4 numbers tasks from 1.
  ::setenv("SLURM_ARRAY_TASK_MIN", "1", 1);
  ::setenv("SLURM_ARRAY_TASK_ID", "4", 1);
  s = Shard::from_environment();
  EXPECT_EQ(s.index, 3);

  ::setenv("SLURM_ARRAY_TASK_ID", "9", 1);
  EXPECT_THROW(Shard::from_environment(), InputError);

  ::unsetenv("SLURM_ARRAY_TASK_ID");
  ::unsetenv("SLURM_ARRAY_TASK_COUNT");
  ::unsetenv("SLURM_ARRAY_TASK_MIN");
  s = Shard::from_environment();
  EXPECT_EQ(s.index, 0);
  EXPECT_EQ(s.count, 1);
}

#include "labkit/core/threads.h"

TEST(Threads, SlurmCpusPerTaskWins) {
  ::setenv("SLURM_CPUS_PER_TASK", "3", 1);
  EXPECT_EQ(labkit::default_thread_count(), 3);
  ::unsetenv("SLURM_CPUS_PER_TASK");
  EXPECT_GE(labkit::default_thread_count(), 1);
}
