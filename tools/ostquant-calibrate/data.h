// Token streams for calibration and evaluation: sampled from the full-precision model itself (seeded,
// batched with a KV cache), or cut from a text file with a tokenizer.
#pragma once

#include <string>
#include <vector>

#include "labkit/llama/eval.h"
#include "labkit/llama/tokenizer.h"

namespace ostq {

using labkit::llama::TokenStream;

// n streams of `length` tokens, each starting with BOS (id 1), sampled with temperature 1 and nucleus top_p.
std::vector<TokenStream> sample_streams(const labkit::llama::Model& model, int64_t n, int64_t length, uint64_t seed,
                                        double top_p = 1.0, int64_t bos = 1);

// The whole file tokenized once (BOS first), cut into disjoint windows of `window` tokens; at most
// `max_windows` (0 = all). Throws InputError naming the file when it yields fewer than `min_windows`.
std::vector<TokenStream> text_windows(const std::string& path, const labkit::llama::Tokenizer& tok, int64_t window,
                                      int64_t max_windows, int64_t min_windows);

// Disjoint windows of `window` tokens cut from token-id streams (leftovers shorter than a window dropped).
// Throws InputError naming `source` when fewer than `min_windows` result.
std::vector<TokenStream> cut_windows(const std::vector<TokenStream>& streams, int64_t window, int64_t min_windows,
                                     const std::string& source);

}  // namespace ostq
