// The CogniDual loop as one run: generate the task sets; train a model that answers with CoT (a few
// questions also with direct answers, so the direct format is known); measure direct vs CoT accuracy,
// tokens and latency; then for each self-training set size, starting from that same model: sample CoT on
// unlabelled questions, keep answers by labels or self-consistency, fine-tune on question -> direct answer
// (loss on the answer tokens only, base training data replayed), and measure again. Every finished stage
// is recorded in OUT/checkpoint/progress.json, and training stages checkpoint, so --resume continues.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "labkit/core/tool.h"
#include "settings.h"

namespace labkit::cognidual_train {

// Fills run.metrics() (accuracies before/after per family, tokens and ms per answer, set sizes) and
// run.report_extra()["curves"] (loss per step of every training stage); writes OUT/data/*.jsonl,
// OUT/base_model and OUT/self_trained_<size> (HF safetensors + config.json).
void run_cognidual(const Settings& settings, labkit::Run& run);

// The stdout table: per family, direct and CoT accuracy before, and direct accuracy after each size.
void add_summary(const nlohmann::json& metrics, labkit::Summary& summary);

}  // namespace labkit::cognidual_train
