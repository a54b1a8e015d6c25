// Perplexity with a sliding window, seeded greedy/top-p generation, and token-id stream files.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "labkit/llama/forward.h"

namespace labkit::llama {

using TokenStream = std::vector<int64_t>;

struct PerplexityResult {
  double nll_sum = 0;   // natural log
  int64_t tokens = 0;   // predicted tokens scored
  double ppl() const;   // exp(nll_sum / tokens)
};

// HF-style sliding window over each stream: windows of `window` tokens start every `stride` tokens and
// score only the tokens the previous window did not (stride == window: disjoint windows). A stream shorter
// than 2 tokens contributes nothing. Windows are batched `batch` at a time.
PerplexityResult perplexity(const Model& model, const std::vector<TokenStream>& streams, int64_t window,
                            int64_t stride, const ForwardHooks* hooks = nullptr, int64_t batch = 8);

struct GenerateOptions {
  int64_t max_new_tokens = 64;
  double temperature = 1.0;  // <= 0: greedy
  double top_p = 1.0;        // nucleus mass
  uint64_t seed = 0;
  int64_t stop_token = -1;   // stop after emitting it (e.g. EOS); -1 never
  // Called with the tokens generated so far; true stops that sequence (e.g. stop_on_strings).
  std::function<bool(const TokenStream& generated)> stop_when;
};

// Continues `prompt` (non-empty) using the KV cache; returns the new tokens only.
TokenStream generate(const Model& model, const TokenStream& prompt, const GenerateOptions& options,
                     const ForwardHooks* hooks = nullptr);

// Continues several prompts of equal length at once (one KV cache over the batch, no padding needed):
// each row stops on its own (stop_token, stop_when, max_new_tokens); rows that stopped are still computed
// until every row has, but their outputs end where they stopped. Sampling draws every row from one
// generator seeded with options.seed, so the same batch and seed give the same outputs.
std::vector<TokenStream> generate_batch(const Model& model, const std::vector<TokenStream>& prompts,
                                        const GenerateOptions& options, const ForwardHooks* hooks = nullptr);

// A stop_when that fires once the decoded generation contains one of `stops` (the matched text stays in
// the output; the caller cuts it). `decode` turns ids into text (e.g. a Tokenizer's decode).
std::function<bool(const TokenStream&)> stop_on_strings(std::function<std::string(const TokenStream&)> decode,
                                                        std::vector<std::string> stops);

// Token-id files: one stream per line, ids separated by whitespace. Throws InputError naming the file and
// line on a non-integer or an id outside [0, vocab) (vocab <= 0 skips the range check).
std::vector<TokenStream> read_token_streams(const std::string& path, int64_t vocab = 0);
void write_token_streams(const std::string& path, const std::vector<TokenStream>& streams);

}  // namespace labkit::llama
