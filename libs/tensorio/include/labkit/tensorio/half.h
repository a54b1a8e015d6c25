// IEEE binary16 ("float16") and bfloat16 <-> float32 conversions, bit-exact, no hardware support needed.
#pragma once

#include <cstdint>

namespace labkit::tensorio {

// Exact: every binary16 value (subnormals, infinities, NaN payload's top bits) is representable in float.
float half_to_float(std::uint16_t bits);
// Round to nearest, ties to even; overflow -> +-inf, NaN stays NaN (quiet), tiny values -> subnormal/zero.
std::uint16_t float_to_half(float value);

// bfloat16 is the top 16 bits of a float32, so widening is a shift.
float bfloat16_to_float(std::uint16_t bits);
// Round to nearest, ties to even; NaN stays NaN (quiet).
std::uint16_t float_to_bfloat16(float value);

}  // namespace labkit::tensorio
