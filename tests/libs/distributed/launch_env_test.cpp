#include "labkit/distributed/launch_env.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "labkit/core/error.h"

namespace {
void clear_env() {
  for (const char* v : {"RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT", "SLURM_PROCID", "SLURM_NTASKS",
                        "SLURM_LOCALID", "SLURM_JOB_NODELIST", "SLURM_LAUNCH_NODE_IPADDR", "SLURM_JOB_ID"})
    ::unsetenv(v);
}
}  // namespace

TEST(LaunchEnv, SingleProcessByDefault) {
  clear_env();
  const auto e = labkit::distributed::launch_env_from_environment();
  EXPECT_EQ(e.rank, 0);
  EXPECT_EQ(e.world_size, 1);
  EXPECT_EQ(e.source, "single");
}

TEST(LaunchEnv, TorchrunVariables) {
  clear_env();
  ::setenv("RANK", "3", 1);
  ::setenv("WORLD_SIZE", "4", 1);
  ::setenv("LOCAL_RANK", "1", 1);
  ::setenv("MASTER_ADDR", "10.1.2.3", 1);
  ::setenv("MASTER_PORT", "12345", 1);
  const auto e = labkit::distributed::launch_env_from_environment();
  EXPECT_EQ(e.rank, 3);
  EXPECT_EQ(e.world_size, 4);
  EXPECT_EQ(e.local_rank, 1);
  EXPECT_EQ(e.master_addr, "10.1.2.3");
  EXPECT_EQ(e.master_port, 12345);
  EXPECT_EQ(e.source, "env");
  clear_env();
}

TEST(LaunchEnv, SlurmVariables) {
  clear_env();
  ::setenv("SLURM_PROCID", "1", 1);
  ::setenv("SLURM_NTASKS", "2", 1);
  ::setenv("SLURM_LOCALID", "1", 1);
  ::setenv("SLURM_JOB_NODELIST", "node[07-09,12]", 1);
  ::setenv("SLURM_JOB_ID", "123456", 1);
  auto e = labkit::distributed::launch_env_from_environment();
  EXPECT_EQ(e.rank, 1);
  EXPECT_EQ(e.world_size, 2);
  EXPECT_EQ(e.master_addr, "node07");
  EXPECT_EQ(e.master_port, 20000 + 123456 % 10000);
  EXPECT_EQ(e.source, "slurm");
  ::setenv("SLURM_JOB_NODELIST", "gpu3,gpu4", 1);
  EXPECT_EQ(labkit::distributed::launch_env_from_environment().master_addr, "gpu3");
  clear_env();
}

TEST(LaunchEnv, InconsistentVariablesAreInputErrors) {
  clear_env();
  ::setenv("RANK", "2", 1);
  ::setenv("WORLD_SIZE", "2", 1);
  EXPECT_THROW(labkit::distributed::launch_env_from_environment(), labkit::InputError);
  ::setenv("RANK", "x", 1);
  EXPECT_THROW(labkit::distributed::launch_env_from_environment(), labkit::InputError);
  ::setenv("RANK", "0", 1);
  ::setenv("MASTER_PORT", "70000", 1);
  EXPECT_THROW(labkit::distributed::launch_env_from_environment(), labkit::InputError);
  clear_env();
}
