// --shard i/N: which part of a data job this process does. Defaults come from SLURM array variables.
#pragma once

#include <cstdint>
#include <string>
#include <utility>

namespace labkit {

struct Shard {
  int index = 0;
  int count = 1;

  // Parses "i/N" (0 <= i < N). Throws InputError otherwise.
  static Shard parse(const std::string& text);
  // SLURM_ARRAY_TASK_ID / SLURM_ARRAY_TASK_COUNT (relative to SLURM_ARRAY_TASK_MIN when set), else 0/1.
  static Shard from_environment();

  // Item k belongs to this shard (round robin): balanced when items differ in cost.
  bool owns(std::int64_t k) const { return k % count == index; }
  // Contiguous block [begin, end) of n items for this shard: for jobs that want locality.
  std::pair<std::int64_t, std::int64_t> block(std::int64_t n) const;
  std::string str() const { return std::to_string(index) + "/" + std::to_string(count); }
};

}  // namespace labkit
