// The tokenizer a run uses (setting tokenizer.kind): the byte tokenizer, or a SentencePiece BPE trained by
// spm_train on the training set's texts; and how many tokens an answer costs with it.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "dataset.h"
#include "labkit/llama/tokenizer.h"
#include "settings.h"

namespace labkit::cognidual_train {

// kind "bytes": ByteTokenizer. kind "spm": trains on the prompts and CoT and direct completions of `train`
// into dir/tokenizer.model (kept, with the corpus and spm_train's log) and loads it with labkit::llama's
// SpmBpeTokenizer. Throws InputError("config tokenizer.kind: ...") when spm_train is not installed.
std::unique_ptr<labkit::llama::Tokenizer> make_task_tokenizer(const Settings& s, const std::vector<Example>& train,
                                                              const std::string& dir);

// The id of "\n", which ends every answer (generation stops on it). Throws std::logic_error when the
// tokenizer does not encode "\n" as one token.
int64_t newline_id(const labkit::llama::Tokenizer& tok);

// Over `examples`: {"cot_tokens_per_answer", "direct_tokens_per_answer", "prompt_tokens_per_question" (means),
// "round_trip_failures" (texts whose decode(encode) differs), "texts"}.
nlohmann::json tokenizer_stats(const labkit::llama::Tokenizer& tok, const std::vector<Example>& examples);

}  // namespace labkit::cognidual_train
