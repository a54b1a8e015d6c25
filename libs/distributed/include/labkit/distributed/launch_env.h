// Where a process sits in a distributed job, read from the environment: torchrun-style
// RANK/WORLD_SIZE/LOCAL_RANK/MASTER_ADDR/MASTER_PORT first, then SLURM's srun variables.
#pragma once

#include <string>

namespace labkit::distributed {

struct LaunchEnv {
  int rank = 0;
  int world_size = 1;
  int local_rank = 0;
  std::string master_addr = "127.0.0.1";
  int master_port = 29500;
  std::string source = "single";  // "env", "slurm" or "single"
};

// Throws InputError when the variables are inconsistent (rank >= world size, non-numeric values).
LaunchEnv launch_env_from_environment();

}  // namespace labkit::distributed
