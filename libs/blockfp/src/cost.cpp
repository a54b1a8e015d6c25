#include "labkit/blockfp/cost.h"

#include <cmath>

namespace labkit::blockfp {

Cost cost_model(const Format& f, const LutSpec& lut) {
  Cost c{};
  c.bits_per_element = f.bits_per_element();
  c.compares = 1;      // row max
  c.adds = 1 + 1;      // subtract max, accumulate
  c.multiplies = 1 + 1;  // base-2 scale, normalise
  if (f.kind == Kind::kFloat32) {
    c.transcendental = 1;
    return c;
  }
  const ExpLut table(lut);
  c.table_bytes = table.table_bytes();
  c.lookups = lut.levels;
  c.multiplies += lut.levels == 2 ? 1 : 0;
  c.shifts = 1 + 1;  // align to the shared exponent, 2^-k
  c.adds += 1;       // rounding
  const double B = f.block;
  if (f.kind == Kind::kMx) {
    c.compares += (B - 1) / B;
    c.adds += 1;  // exponent extract + round of the element conversion (2 ops with the rounding add)
    return c;
  }
  const Pivot pivot = f.kind == Kind::kBfp ? Pivot::kMax : f.pivot;
  const double lg = std::log2(B);
  const double pivot_compares = pivot == Pivot::kMax ? (B - 1) / B
                                : pivot == Pivot::kOutlierAware ? f.outlier_count + 1.0
                                                                : (B / 4 * lg * (lg + 1)) / B;
  c.compares += pivot_compares;
  if (f.kind == Kind::kDbfp && f.split_range > 0) c.compares += 1 + pivot_compares;
  return c;
}

}  // namespace labkit::blockfp
