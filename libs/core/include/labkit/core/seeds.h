// Reproducible random streams: mix_seed(seed, step) gives an independent 64-bit seed per (seed, step,
// slot, ...) so that a training step, a generated case or an augmentation repeats exactly whatever ran
// before it (what exact --resume needs). Header-only.
#pragma once

#include <cstdint>

namespace labkit {

// A 64-bit mix of two values (a boost-style combine, then the splitmix64 finaliser).
inline std::uint64_t mix_seed(std::uint64_t a, std::uint64_t b) {
  std::uint64_t x = a ^ (b + 0x9e3779b97f4a7c15ULL + (a << 6) + (a >> 2));
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace labkit
