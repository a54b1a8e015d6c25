// Token streams for calibration and evaluation: sampled from the full-precision model itself (seeded,
// batched with a KV cache), or cut from a text file with a tokenizer.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "labkit/llama/eval.h"
#include "labkit/llama/tokenizer.h"

namespace labkit::ostquant_calibrate {

using labkit::llama::TokenStream;

// The tokenizer at `path` (SentencePiece .model or llama2.c tokenizer.bin), refused with an InputError
// naming the file when its vocabulary size differs from the model's: ids would silently mean other
// tokens (the 32k Llama-2 tokenizer.bin with the 512-token stories260K gave perplexity 320, not 13.7).
// A llama2.c tokenizer.bin does not store its size, so its entries are counted.
std::unique_ptr<labkit::llama::Tokenizer> open_model_tokenizer(const std::string& path, int64_t model_vocab);
// Entries of a llama2.c tokenizer.bin (int32 max_token_length, then float32 score, int32 length, bytes
// per token); InputError naming the file when it is not one.
int64_t llama2c_tokenizer_entries(const std::string& path);

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

}  // namespace labkit::ostquant_calibrate
