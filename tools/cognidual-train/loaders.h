// Task files for users who have the datasets: GSM8K ({"question", "answer": "... #### 72"}), ReClor
// ({"context", "question", "answers": [4], "label": 0-3}), LogiQA 2.0 ({"text", "question", "options": [4],
// "answer": 0-3}) and this tool's own JSONL (the Example fields, as written in OUT/data). One JSON object
// per line; blank lines are skipped.
#pragma once

#include <string>
#include <vector>

#include "tasks.h"

namespace labkit::cognidual_train {

const std::vector<std::string>& task_file_formats();  // gsm8k, reclor, logiqa, labkit

// Throws InputError("<path>: line N: <problem>") on a malformed line or an answer that cannot be parsed,
// and "<path>: no examples" on an empty file.
std::vector<Example> read_task_file(const std::string& path, const std::string& format);

// "(A)first (B)second ..." appended to a question, as the generated ordering tasks write options.
std::string with_options(const std::string& question, const std::vector<std::string>& options);

}  // namespace labkit::cognidual_train
