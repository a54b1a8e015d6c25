#include "labkit/distributed/launch_env.h"

#include <cstdlib>
#include <string>

#include "labkit/core/error.h"

namespace labkit::distributed {
namespace {

const char* env(const char* name) {
  const char* v = std::getenv(name);
  return (v && *v) ? v : nullptr;
}

int env_int(const char* name, int fallback) {
  const char* v = env(name);
  if (!v) return fallback;
  char* end = nullptr;
  const long x = std::strtol(v, &end, 10);
  if (*end != '\0' || x < 0 || x > 1'000'000)
    throw InputError(std::string(name) + "=" + v + ": expected a non-negative integer");
  return static_cast<int>(x);
}

// First host of a SLURM node list such as "node[01-04,07],gpu2" -> "node01". Good enough for the
// master address of a job; multi-node users may set MASTER_ADDR explicitly.
std::string first_slurm_host(const std::string& list) {
  const auto bracket = list.find('[');
  const auto comma = list.find(',');
  if (bracket == std::string::npos || (comma != std::string::npos && comma < bracket))
    return list.substr(0, comma);
  const std::string prefix = list.substr(0, bracket);
  std::string inner = list.substr(bracket + 1);
  const auto stop = inner.find_first_of("-,]");
  return prefix + inner.substr(0, stop);
}

}  // namespace

LaunchEnv launch_env_from_environment() {
  LaunchEnv e;
  if (env("RANK") || env("WORLD_SIZE")) {
    e.source = "env";
    e.rank = env_int("RANK", 0);
    e.world_size = env_int("WORLD_SIZE", 1);
    e.local_rank = env_int("LOCAL_RANK", e.rank);
  } else if (env("SLURM_PROCID") && env("SLURM_NTASKS")) {
    e.source = "slurm";
    e.rank = env_int("SLURM_PROCID", 0);
    e.world_size = env_int("SLURM_NTASKS", 1);
    e.local_rank = env_int("SLURM_LOCALID", 0);
    if (const char* nodes = env("SLURM_JOB_NODELIST")) e.master_addr = first_slurm_host(nodes);
    if (const char* launch = env("SLURM_LAUNCH_NODE_IPADDR")) e.master_addr = launch;
    // Distinct default ports for concurrent jobs on one node.
    e.master_port = 20000 + env_int("SLURM_JOB_ID", 0) % 10000;
  }
  if (const char* addr = env("MASTER_ADDR")) e.master_addr = addr;
  e.master_port = env_int("MASTER_PORT", e.master_port);
  if (e.world_size < 1 || e.rank >= e.world_size)
    throw InputError("distributed launch: rank " + std::to_string(e.rank) + " is not below world size " +
                     std::to_string(e.world_size) + " (from " + e.source + " variables)");
  if (e.master_port < 1 || e.master_port > 65535)
    throw InputError("MASTER_PORT=" + std::to_string(e.master_port) + ": not a TCP port");
  return e;
}

}  // namespace labkit::distributed
