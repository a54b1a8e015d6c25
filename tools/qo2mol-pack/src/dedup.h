// Duplicate conformers: same molecule key, same atoms in the same order, and every coordinate equal
// after rounding to a grid of `tolerance` Angstrom. Kept as one 64-bit hash per conformer (plus its
// energy, to report how far apart the energies of dropped duplicates were), not the coordinates, so
// memory stays at 16 bytes per conformer. Two conformers closer than the tolerance but on different
// sides of a grid line are not caught: this finds re-inclusions and copies, not near-duplicates.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>

#include "input.h"

namespace labkit::qo2mol {

class Deduplicator {
 public:
  explicit Deduplicator(double tolerance) : tol_(tolerance) {}
  // True if an equal conformer was seen before (then `energy_gap` = |E - E_first|).
  bool seen(const PackedConformer& c, double* energy_gap = nullptr);
  std::uint64_t fingerprint(const PackedConformer& c) const;

 private:
  double tol_;
  std::unordered_map<std::uint64_t, double> energy_of_;
};

}  // namespace labkit::qo2mol
