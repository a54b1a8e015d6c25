// A first-order hardware cost model of the softmax pipeline per format, for comparing designs (not a
// synthesis result): storage bits per element, exp-table bytes, and operation counts per element.
// Counting rules (README "Cost model"): per element: max (1 compare), subtract (1 add), base-2 scale
// (1 multiply, folded into the QK^T scale in practice but counted), alignment to the shared exponent
// (1 shift), rounding (1 add), exp: table look-ups (levels), an integer multiply for 2-level tables, one
// shift by k, accumulate (1 add), normalise (1 multiply by the reciprocal). Pivot selection per block,
// amortised per element: max = (B-1) exponent compares / B; median/percentile = a sorting network's
// compares (B/4·log2 B·(log2 B + 1)) / B; outlier-aware = top-(K+1) selection ≈ (K+1) compares;
// adaptive grouping adds 1 compare per element (the tag) and a second pivot. MX: element conversion is
// counted as 2 ops (exponent extract + round). fp32 reference: exp as one transcendental (no table).
#pragma once

#include <string>

#include "labkit/blockfp/format.h"
#include "labkit/blockfp/softmax.h"

namespace labkit::blockfp {

struct Cost {
  double bits_per_element;  // storage of the shifted logits
  double table_bytes;       // exp table(s)
  double compares, adds, multiplies, shifts, lookups, transcendental;  // per element
  double total_ops() const { return compares + adds + multiplies + shifts + lookups + transcendental; }
};

Cost cost_model(const Format& f, const LutSpec& lut);

}  // namespace labkit::blockfp
