// How many threads "all of them" means for this process.
#pragma once

namespace labkit {

// SLURM_CPUS_PER_TASK inside a SLURM job, else the CPUs this process may run on (its affinity mask).
int default_thread_count();

}  // namespace labkit
