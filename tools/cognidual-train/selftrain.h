// Self-training data (CogniDual step 3): CoT answers sampled from the model on unlabelled questions, kept by
// correctness against the labels or, without labels, by self-consistency (the majority answer of k
// samples, when its share reaches min_agreement), turned into question -> direct-answer pairs.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <vector>

#include "dataset.h"
#include "labkit/llama/tokenizer.h"
#include "lm.h"
#include "settings.h"

namespace labkit::cognidual_train {

struct SelfTrainItem {
  Example example;     // the question and its gold answer (used only by the labels filter and for diagnostics)
  std::string answer;  // the kept answer (normalised)
  std::string cot;     // the CoT of the first sample that gave it
  int64_t agreeing = 0;  // samples giving that answer
};

struct SelfTrainSet {
  std::vector<SelfTrainItem> kept;
  int64_t questions = 0;      // questions sampled
  int64_t kept_correct = 0;   // kept answers equal to the gold answer (the pseudo-label precision)
};

// Samples settings.samples CoT answers for each of `questions` (seeded per question).
SelfTrainSet build_self_train_set(const LanguageModel& lm, const labkit::llama::Tokenizer& tok,
                                  const std::vector<Example>& questions,
                                  const SelfTrainSettings& settings, int64_t max_cot_tokens, uint64_t seed);

// The kept items as JSONL (example fields plus the kept answer, its CoT and the agreement).
std::string self_train_jsonl(const SelfTrainSet& set);

}  // namespace labkit::cognidual_train
