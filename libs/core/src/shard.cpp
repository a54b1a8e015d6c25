#include "labkit/core/shard.h"

#include <cstdlib>

#include "labkit/core/error.h"

namespace labkit {
namespace {

bool parse_int(const std::string& s, int& out) {
  if (s.empty() || s.size() > 9) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  out = std::stoi(s);
  return true;
}

}  // namespace

Shard Shard::parse(const std::string& text) {
  const auto slash = text.find('/');
  Shard s;
  if (slash == std::string::npos || !parse_int(text.substr(0, slash), s.index) ||
      !parse_int(text.substr(slash + 1), s.count) || s.count < 1 || s.index >= s.count)
    throw InputError("--shard " + text + ": expected i/N with 0 <= i < N, e.g. --shard 0/4");
  return s;
}

Shard Shard::from_environment() {
  const char* id = std::getenv("SLURM_ARRAY_TASK_ID");
  const char* count = std::getenv("SLURM_ARRAY_TASK_COUNT");
  if (!id || !count) return {};
  Shard s;
  int min = 0;
  if (!parse_int(id, s.index) || !parse_int(count, s.count))
    throw InputError(std::string("SLURM_ARRAY_TASK_ID=") + id + " / SLURM_ARRAY_TASK_COUNT=" + count +
                     ": not integers; pass --shard i/N explicitly");
  // Arrays such as --array=1-4 number tasks from 1: shift by the smallest id.
  if (const char* m = std::getenv("SLURM_ARRAY_TASK_MIN")) parse_int(m, min);
  s.index -= min;
  if (s.count < 1 || s.index < 0 || s.index >= s.count)
    throw InputError(std::string("SLURM array task ") + id + " of " + count +
                     " does not map to a shard i/N (use --array=0-(N-1) or pass --shard)");
  return s;
}

std::pair<std::int64_t, std::int64_t> Shard::block(std::int64_t n) const {
  const std::int64_t base = n / count, extra = n % count;
  const std::int64_t begin = index * base + std::min<std::int64_t>(index, extra);
  return {begin, begin + base + (index < extra ? 1 : 0)};
}

}  // namespace labkit
