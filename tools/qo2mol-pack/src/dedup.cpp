#include "dedup.h"

#include <cmath>

#include "molecule_key.h"

namespace labkit::qo2mol {

std::uint64_t Deduplicator::fingerprint(const PackedConformer& c) const {
  std::uint64_t h = hash_mix(hash_string(c.molecule_key), c.z.size());
  for (auto z : c.z) h = hash_mix(h, z);
  for (float x : c.positions) h = hash_mix(h, static_cast<std::uint64_t>(std::llround(static_cast<double>(x) / tol_)));
  return h;
}

bool Deduplicator::seen(const PackedConformer& c, double* energy_gap) {
  const auto [it, inserted] = energy_of_.emplace(fingerprint(c), c.energy);
  if (!inserted && energy_gap) *energy_gap = std::fabs(c.energy - it->second);
  return !inserted;
}

}  // namespace labkit::qo2mol
