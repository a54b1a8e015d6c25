#include "evaluate.h"

#include <map>
#include <stdexcept>

#include "answers.h"
#include "task_tokenizer.h"
#include "labkit/core/progress.h"
#include "labkit/core/termination.h"

namespace labkit::cognidual_train {

nlohmann::json evaluate(const LanguageModel& lm, const llama::Tokenizer& tok, const std::vector<Example>& questions, Mode mode, int64_t max_new_tokens,
                        const std::string& label) {
  struct Sums {
    int64_t n = 0, correct = 0;
    double tokens = 0, ms = 0;
  };
  std::map<std::string, Sums> by_family;
  Sums all;
  Progress progress(label, static_cast<int64_t>(questions.size()), "question");
  for (const auto& e : questions) {
    if (sigterm_received()) throw std::runtime_error("SIGTERM during " + label + "; continue with --resume");
    const auto g = lm.generate(tok.encode(prompt_text(e, mode), true), max_new_tokens, 0, 1, 1, 0,
                               newline_id(tok))[0];
    const bool ok = answer_matches(tok.decode(g.tokens), e.answer, answer_kind(e.family));
    for (Sums* s : {&by_family[e.family], &all}) {
      s->n += 1, s->correct += ok, s->tokens += static_cast<double>(g.tokens.size()), s->ms += g.ms;
    }
    progress.advance();
  }
  progress.finish();
  auto row = [](const Sums& s) {
    const double n = static_cast<double>(std::max<int64_t>(1, s.n));
    return nlohmann::json{{"accuracy", static_cast<double>(s.correct) / n}, {"correct", s.correct}, {"questions", s.n},
                          {"tokens_per_answer", s.tokens / n}, {"ms_per_answer", s.ms / n}};
  };
  nlohmann::json out;
  for (const auto& [f, s] : by_family) out[f] = row(s);
  out["all"] = row(all);
  return out;
}

}  // namespace labkit::cognidual_train
