#include "task_files.h"

#include <fmt/format.h>

#include <filesystem>

#include "byte_tokenizer.h"
#include "loaders.h"
#include "task_tokenizer.h"

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
  // Tokens per answer on the test questions: bytes, and with tokenizer.kind spm the trained tokenizer.
  nlohmann::json tokens{{"bytes", tokenizer_stats(ByteTokenizer(), sets.test)}};
  if (s.tokenizer_kind == "spm") {
    const auto tok = make_task_tokenizer(s, sets.train, run.out().file("tokenizer"));
    tokens["spm"] = tokenizer_stats(*tok, sets.test);
    tokens["spm"]["vocab_size"] = tok->vocab_size();
  }
  return {{"examples", m}, {"tokens", tokens}};
}

std::string task_sets_text(const nlohmann::json& metrics) {
  std::string text = fmt::format("{:<10} {:<16} {:>8}\n", "set", "family", "examples");
  for (const auto& [set, fams] : metrics.at("examples").items())
    for (const auto& [f, n] : fams.items()) text += fmt::format("{:<10} {:<16} {:>8}\n", set, f, n.get<int64_t>());
  text += fmt::format("\n{:<10} {:>6} {:>12} {:>14} {:>12} {:>11}\n", "tokenizer", "vocab", "CoT tokens", "direct tokens",
                      "prompt tok.", "round trip");
  for (const auto& [kind, t] : metrics.at("tokens").items())
    text += fmt::format("{:<10} {:>6} {:>12.1f} {:>14.1f} {:>12.1f} {:>11}\n", kind, t.value("vocab_size", 259),
                        t.at("cot_tokens_per_answer").get<double>(), t.at("direct_tokens_per_answer").get<double>(),
                        t.at("prompt_tokens_per_question").get<double>(),
                        t.at("round_trip_failures").get<int64_t>() == 0 ? "exact" : "FAILS");
  return text;
}

}  // namespace labkit::cognidual_train
