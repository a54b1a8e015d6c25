// The task sets of one run (test, labelled training, unlabelled self-training questions), generated from
// the seed with no test question in any other set (by a hash of family + question), and the text format
// the model reads and writes:
//   CoT:    "Q <question>\nC " -> "<steps> => <answer>\n"
//   direct: "Q <question>\nD " -> "=> <answer>\n"
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <unordered_set>
#include <vector>

#include "tasks.h"

namespace labkit::cognidual_train {

enum class Mode { kCot, kDirect };

struct TaskSetSizes {
  int64_t test = 0, train = 0, unlabeled = 0;  // per family
};

struct TaskSets {
  std::vector<Example> test, train, unlabeled;
};

uint64_t question_hash(const Example& e);  // FNV-1a over family, a separator and the question
// Distinct questions per family and set; test first, then train and unlabelled without any test question.
// Throws InputError("config tasks...: ...") when a family cannot give that many distinct questions.
TaskSets build_task_sets(const std::vector<std::string>& families, const std::map<std::string, int>& difficulty,
                         const TaskSetSizes& sizes, uint64_t seed);
// Throws std::logic_error naming the first question of `train` that is also in `test`.
void check_disjoint(const std::vector<Example>& train, const std::vector<Example>& test);

std::string prompt_text(const Example& e, Mode mode);
// The completion for `answer` (the example's own when empty) and, for CoT, `cot` (the example's when empty).
std::string completion_text(const Example& e, Mode mode, const std::string& answer = "", const std::string& cot = "");

}  // namespace labkit::cognidual_train
