#include "selftrain.h"

#include <map>
#include <stdexcept>

#include "answers.h"
#include "task_tokenizer.h"
#include "labkit/core/progress.h"
#include "labkit/core/termination.h"

namespace labkit::cognidual_train {

namespace {

// "<steps> => <answer>\n" -> "<steps>" (the CoT the model wrote before its answer).
std::string cot_part(const std::string& text) {
  const size_t at = text.rfind("=>");
  std::string c = at == std::string::npos ? text : text.substr(0, at);
  while (!c.empty() && (c.back() == ' ' || c.back() == '\n')) c.pop_back();
  return c;
}

}  // namespace

SelfTrainSet build_self_train_set(const LanguageModel& lm, const llama::Tokenizer& tok, const std::vector<Example>& questions,
                                  const SelfTrainSettings& s, int64_t max_cot_tokens, uint64_t seed) {
  SelfTrainSet out;
  Progress progress("self-train sampling", static_cast<int64_t>(questions.size()), "question");
  for (size_t q = 0; q < questions.size(); ++q) {
    if (sigterm_received()) throw std::runtime_error("SIGTERM during self-train sampling; continue with --resume");
    const auto& e = questions[q];
    const auto kind = answer_kind(e.family);
    const auto gens = lm.generate(tok.encode(prompt_text(e, Mode::kCot), true), max_cot_tokens, s.temperature, s.top_p,
                                  s.samples, seed + 7919 * q, newline_id(tok));
    std::map<std::string, std::pair<int64_t, std::string>> votes;  // answer -> (count, first CoT)
    std::string first_answer;
    for (const auto& g : gens) {
      const std::string text = tok.decode(g.tokens);
      if (text.empty() || text.back() != '\n') continue;  // ran out of tokens: no answer
      const auto a = extract_answer(text, kind);
      if (!a) continue;
      auto& v = votes[*a];
      if (v.first++ == 0) v.second = cot_part(text);
      if (first_answer.empty()) first_answer = *a;
    }
    ++out.questions;
    progress.advance();
    if (votes.empty()) continue;
    std::string pick;
    if (s.filter == "labels") {
      const auto gold = kind == AnswerKind::kNumber ? normalize_number(e.answer) : normalize_option(e.answer);
      if (!gold || !votes.count(*gold)) continue;
      pick = *gold;
    } else {
      int64_t best = -1;
      for (const auto& [a, v] : votes)  // ties go to the answer sampled first
        if (v.first > best || (v.first == best && a == first_answer)) best = v.first, pick = a;
      if (static_cast<double>(best) < s.min_agreement * static_cast<double>(s.samples)) continue;
    }
    out.kept.push_back({e, pick, votes[pick].second, votes[pick].first});
    out.kept_correct += answer_matches("=> " + pick, e.answer, kind);
  }
  progress.finish();
  return out;
}

std::string self_train_jsonl(const SelfTrainSet& set) {
  std::string text;
  for (const auto& k : set.kept) {
    auto j = to_json(k.example);
    j["kept_answer"] = k.answer, j["kept_cot"] = k.cot, j["agreeing_samples"] = k.agreeing;
    // Sampled text is raw model bytes (byte tokenizer), not always UTF-8: invalid bytes are written as
    // U+FFFD rather than making the whole file unwritable.
    text += j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  }
  return text;
}

}  // namespace labkit::cognidual_train
