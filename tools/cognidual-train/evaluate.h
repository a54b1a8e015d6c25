// Accuracy, generated tokens and wall time per answer on a question set, with or without CoT (greedy,
// one question at a time so that the time is one answer's latency), per family and over all.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <vector>

#include "dataset.h"
#include "labkit/llama/tokenizer.h"
#include "lm.h"

namespace labkit::cognidual_train {

// {"<family>": {"accuracy", "correct", "questions", "tokens_per_answer", "ms_per_answer"}, ..., "all": {...}}
nlohmann::json evaluate(const LanguageModel& lm, const labkit::llama::Tokenizer& tok, const std::vector<Example>& questions, Mode mode, int64_t max_new_tokens,
                        const std::string& label);

}  // namespace labkit::cognidual_train
