// The `generate` verb: greedy KV-cache generation of a pretrained model (a llama2.c .bin such as
// stories260K, or an HF directory) from a text prompt, timed, so that bench/cognidual-train can compare
// text and tokens/s with llama2.c's run.c on the same model, prompt and step count.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace labkit::cognidual_train {

struct GenerationBenchRequest {
  std::string model;      // llama2.c .bin or HF directory
  std::string tokenizer;  // llama2.c tokenizer.bin or SentencePiece .model
  std::string prompt;
  // Positions in all, prompt (with BOS) included, as run.c's -n: steps - prompt tokens + 1
  // are generated (the last one is never fed back).
  int64_t steps = 256;
  int64_t repeats = 3;  // timed runs; the report keeps the fastest
};

// Encodes the prompt with BOS, generates greedily until `steps` positions or BOS (run.c stops on BOS),
// and returns {prompt_tokens, new_tokens, ms (fastest run), tokens_per_s, ms_per_run, text}, where text is
// the decoded prompt + continuation as run.c prints it. Throws InputError when steps does not leave room
// for one new token or exceeds the model's seq_len, or the tokenizer's vocabulary differs from the model's.
nlohmann::json bench_generation(const GenerationBenchRequest& request);
std::string generation_bench_text(const nlohmann::json& metrics);

}  // namespace labkit::cognidual_train
