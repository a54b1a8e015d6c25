// The 28-byte header of a llama2.c legacy checkpoint, checked against the file's size. No torch here: the
// fuzz harness (fuzz/llama2c_header_fuzz.cpp) drives this exact code.
#pragma once

#include <cstdint>
#include <string>

#include "labkit/llama/config.h"

namespace labkit::llama {

struct Llama2cHeader {
  Config config;
  int64_t n_floats = 0;  // float32 weights after the header
};

// 7 int32 (dim, hidden, layers, heads, kv heads, ±vocab, seq_len; negative vocab = separate classifier).
// Throws InputError(path: ...) for a short file, invalid sizes, or a file size the header does not imply.
Llama2cHeader read_llama2c_header(const std::string& path);

}  // namespace labkit::llama
