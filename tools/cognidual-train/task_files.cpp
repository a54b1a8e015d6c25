#include "task_files.h"

#include <fmt/format.h>

#include <filesystem>

#include "loaders.h"

namespace labkit::cognidual_train {

namespace {

nlohmann::json write_set(const std::vector<Example>& examples, const std::string& name, labkit::Run& run) {
  std::string text;
  nlohmann::json counts = nlohmann::json::object();
  for (const auto& e : examples) {
    text += to_json(e).dump() + "\n";
    counts[e.family] = counts.value(e.family, 0) + 1;
  }
  run.out().write("data/" + name + ".jsonl", text);
  return counts;
}

}  // namespace

nlohmann::json write_task_sets(const Settings& s, const std::string& task_file, const std::string& task_format,
                               labkit::Run& run) {
  std::filesystem::create_directories(run.out().file("data"));
  const auto sets = build_task_sets(s.families, s.difficulty, s.questions, run.seed());
  nlohmann::json m;
  m["test"] = write_set(sets.test, "test", run);
  m["train"] = write_set(sets.train, "train", run);
  m["unlabeled"] = write_set(sets.unlabeled, "unlabeled", run);
  if (!task_file.empty()) m[task_format] = write_set(read_task_file(task_file, task_format), task_format, run);
  return m;
}

std::string task_sets_text(const nlohmann::json& counts) {
  std::string text = fmt::format("{:<10} {:<16} {:>8}\n", "set", "family", "examples");
  for (const auto& [set, fams] : counts.items())
    for (const auto& [f, n] : fams.items()) text += fmt::format("{:<10} {:<16} {:>8}\n", set, f, n.get<int64_t>());
  return text;
}

}  // namespace labkit::cognidual_train
