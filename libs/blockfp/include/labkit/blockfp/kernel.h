// Row-parallel softmax kernels over a [rows, n] float32 matrix, bit-identical to softmax_two_pass (row r
// uses stream r). AVX-512 or AVX2 chosen at run time (__builtin_cpu_supports; separate translation units
// compiled with -mavx512f/-mavx2 and -ffp-contract=off); the scalar model otherwise. The vector paths
// cover fp32, BFP and DBFP with any pivot rule, nearest-even or truncating rounding (stochastic rounding:
// AVX2 only), both overflow policies and 1- or 2-level LUTs (2-level with entry_bits <= 15); adaptive
// grouping and MX formats run the scalar model row by row (still multithreaded).
#pragma once

#include <cstdint>

#include "labkit/blockfp/softmax.h"

namespace labkit::blockfp {

enum class Isa { kAuto, kScalar, kAvx2, kAvx512 };
const char* isa_name(Isa isa);
Isa best_isa();                                   // what this CPU supports
bool vector_path(const SoftmaxSpec& s, const ExpLut& lut);  // the spec has a vector path
// Threads: rows split into `threads` contiguous ranges (std::thread; 1 = the calling thread).
// Returns the ISA actually used.
Isa softmax_rows(const SoftmaxSpec& s, const ExpLut& lut, const float* x, float* p, int64_t rows, int64_t n,
                 int threads, Isa isa = Isa::kAuto);

}  // namespace labkit::blockfp
