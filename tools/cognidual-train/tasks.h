// Reasoning tasks with verifiable answers, generated at a chosen difficulty from a seed: multi-digit
// addition, multiplication by a one-digit number, multi-step word problems, and ordering deduction and
// syllogisms as 4-option multiple choice in LogiQA's style. Each example has a chain-of-thought solution and its answer.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

namespace labkit::cognidual_train {

struct Example {
  std::string family;    // addition | multiplication | word | ordering | syllogism | gsm8k | reclor | logiqa
  int difficulty = 0;
  std::string question;  // the text the model sees (options included for multiple choice)
  std::string cot;       // the reasoning steps, without the final answer
  std::string answer;    // canonical answer: a normalised number or an option letter A-D
};

nlohmann::json to_json(const Example& e);
Example example_from_json(const nlohmann::json& j);  // throws std::exception on missing keys

const std::vector<std::string>& generated_families();
// One example of `family` at `difficulty` (addition/multiplication: digits of the first operand; word:
// number of operations; ordering: number of people, 3..6; syllogism: number of premises, 2..5). Throws std::invalid_argument on an unknown
// family or a difficulty out of range.
Example generate_example(const std::string& family, int difficulty, std::mt19937_64& rng);
// The most distinct questions a family can produce at a difficulty (small for 1-digit addition), or -1
// when it is too large to matter.
int64_t question_space(const std::string& family, int difficulty);

}  // namespace labkit::cognidual_train
