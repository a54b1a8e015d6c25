#include "labkit/core/threads.h"

#include <sched.h>

#include <cstdlib>
#include <thread>

namespace labkit {

int default_thread_count() {
  if (const char* slurm = std::getenv("SLURM_CPUS_PER_TASK")) {
    const int n = std::atoi(slurm);
    if (n > 0) return n;
  }
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0) {
    const int n = CPU_COUNT(&set);
    if (n > 0) return n;
  }
  const unsigned hw = std::thread::hardware_concurrency();
  return hw > 0 ? static_cast<int>(hw) : 1;
}

}  // namespace labkit
