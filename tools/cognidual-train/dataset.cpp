#include "dataset.h"

#include <stdexcept>

#include "labkit/core/error.h"

namespace labkit::cognidual_train {

uint64_t question_hash(const Example& e) {
  uint64_t h = 1469598103934665603ull;
  auto add = [&](const std::string& s) {
    for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  };
  add(e.family);
  add("\x1f");
  add(e.question);
  return h;
}

namespace {

// `count` questions of a family not in `seen` (which grows), drawn from rng.
std::vector<Example> draw(const std::string& family, int difficulty, int64_t count, std::unordered_set<uint64_t>& seen,
                          std::mt19937_64& rng, const std::string& key) {
  std::vector<Example> out;
  int64_t attempts = 0;
  while (static_cast<int64_t>(out.size()) < count) {
    if (++attempts > 50 * count + 1000)
      throw InputError("config " + key + ": " + family + " at difficulty " + std::to_string(difficulty) +
                       " gave only " + std::to_string(out.size()) + " new distinct questions of " + std::to_string(count) +
                       " (its question space is too small; lower the count or raise the difficulty)");
    auto e = generate_example(family, difficulty, rng);
    if (seen.insert(question_hash(e)).second) out.push_back(std::move(e));
  }
  return out;
}

}  // namespace

TaskSets build_task_sets(const std::vector<std::string>& families, const std::map<std::string, int>& difficulty,
                         const TaskSetSizes& sizes, uint64_t seed) {
  TaskSets sets;
  std::unordered_set<uint64_t> seen;
  std::mt19937_64 rng(seed ^ 0x7e57'0000'0000ull);
  for (const auto& f : families)
    for (auto& e : draw(f, difficulty.at(f), sizes.test, seen, rng, "tasks.test_questions")) sets.test.push_back(e);
  // Training and unlabelled questions are distinct from each other too, so set sizes count real questions.
  for (const auto& f : families) {
    for (auto& e : draw(f, difficulty.at(f), sizes.train, seen, rng, "tasks.train_questions")) sets.train.push_back(e);
    for (auto& e : draw(f, difficulty.at(f), sizes.unlabeled, seen, rng, "tasks.unlabeled_questions"))
      sets.unlabeled.push_back(e);
  }
  // Interleave families so that the first n unlabelled questions cover every family.
  std::vector<Example> mixed;
  const size_t per = families.empty() ? 0 : sets.unlabeled.size() / families.size();
  for (size_t i = 0; i < per; ++i)
    for (size_t f = 0; f < families.size(); ++f) mixed.push_back(sets.unlabeled[f * per + i]);
  sets.unlabeled = std::move(mixed);
  check_disjoint(sets.train, sets.test);
  check_disjoint(sets.unlabeled, sets.test);
  return sets;
}

void check_disjoint(const std::vector<Example>& train, const std::vector<Example>& test) {
  std::unordered_set<uint64_t> t;
  for (const auto& e : test) t.insert(question_hash(e));
  for (const auto& e : train)
    if (t.count(question_hash(e)))
      throw std::logic_error("test question in a training set: " + e.family + " \"" + e.question + "\"");
}

std::string prompt_text(const Example& e, Mode mode) {
  return "Q " + e.question + "\n" + (mode == Mode::kCot ? "C " : "D ");
}

std::string completion_text(const Example& e, Mode mode, const std::string& answer, const std::string& cot) {
  const std::string& a = answer.empty() ? e.answer : answer;
  if (mode == Mode::kDirect) return "=> " + a + "\n";
  return (cot.empty() ? e.cot : cot) + " => " + a + "\n";
}

}  // namespace labkit::cognidual_train
