// Hadamard matrices for rotation-based quantization (QuaRot/SpinQuant/OSTQuant online transforms).
// Sizes: n = 2^k (Sylvester) and n = m·2^k where m = q+1 (Paley I, prime power q ≡ 3 mod 4), m = 2(q+1)
// (Paley II, prime power q ≡ 1 mod 4, over GF(q)) or m = 156, 172 (Williamson quadruples of order 39, 43).
// That covers the whole reference K list 12, 20, 28, 36, 40, 52, 60, 108, 140, 156, 172, and more
// (5632 = 44·128); other sizes are rejected with a message.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <string>

namespace labkit::llama {

// Empty when n is supported, else the reason.
std::string hadamard_unsupported_reason(int64_t n);
bool hadamard_supported(int64_t n);
// ±1 entries, H·Hᵀ = n·I, float64. Throws InputError naming n when unsupported.
torch::Tensor hadamard(int64_t n);
// D·H/√n with D a seeded random ±1 diagonal: orthogonal, float64.
torch::Tensor random_hadamard(int64_t n, uint64_t seed);
// A seeded random orthogonal matrix (QR of a Gaussian, sign-fixed), float64.
torch::Tensor random_orthogonal(int64_t n, uint64_t seed);

}  // namespace labkit::llama
