// The `tasks` verb: the generated task sets (and a converted user task file) as JSONL in OUT/data, with
// counts per family, without training anything.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "labkit/core/tool.h"
#include "settings.h"

namespace labkit::cognidual_train {

// Writes OUT/data/{test,train,unlabeled}.jsonl and, when task_file is given, OUT/data/<format>.jsonl
// (read_task_file: exit 2 naming the line on bad input); with tokenizer.kind spm trains OUT/tokenizer/.
// Returns {"examples": counts per set and family, "tokens": {"bytes"[, "spm"]: tokenizer_stats on test}}.
nlohmann::json write_task_sets(const Settings& settings, const std::string& task_file, const std::string& task_format,
                               labkit::Run& run);
std::string task_sets_text(const nlohmann::json& metrics);

}  // namespace labkit::cognidual_train
