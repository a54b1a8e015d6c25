#include "task_tokenizer.h"

#include <stdexcept>

#include "byte_tokenizer.h"
#include "labkit/core/error.h"
#include "labkit/llama/spm_model.h"
#include "spm_trainer.h"

namespace labkit::cognidual_train {

std::unique_ptr<llama::Tokenizer> make_task_tokenizer(const Settings& s, const std::vector<Example>& train,
                                                      const std::string& dir) {
  if (s.tokenizer_kind == "bytes") return std::make_unique<ByteTokenizer>();
  SpmTrainOptions o;
  o.vocab_size = s.tokenizer_vocab;
  if (!program_available(o.spm_train))
    throw InputError("config tokenizer.kind: spm needs spm_train (Debian package sentencepiece), not found on PATH");
  std::vector<std::string> texts;
  for (const auto& e : train)
    for (Mode m : {Mode::kCot, Mode::kDirect}) texts.push_back(prompt_text(e, m) + completion_text(e, m));
  return std::make_unique<llama::SpmBpeTokenizer>(train_spm_tokenizer(texts, o, dir));
}

int64_t newline_id(const llama::Tokenizer& tok) {
  const auto ids = tok.encode("\n", false);
  if (ids.size() != 1) throw std::logic_error("the tokenizer does not encode a newline as one token");
  return ids[0];
}

nlohmann::json tokenizer_stats(const llama::Tokenizer& tok, const std::vector<Example>& examples) {
  double cot = 0, direct = 0, prompt = 0;
  int64_t failures = 0, texts = 0;
  for (const auto& e : examples) {
    for (Mode m : {Mode::kCot, Mode::kDirect}) {
      const auto completion = completion_text(e, m);
      const auto ids = tok.encode(completion, false);
      (m == Mode::kCot ? cot : direct) += static_cast<double>(ids.size());
      failures += tok.decode(ids) != completion;
      const auto p = prompt_text(e, m);
      const auto pids = tok.encode(p, true);
      if (m == Mode::kCot) prompt += static_cast<double>(pids.size());
      failures += tok.decode(pids) != p;
      texts += 2;
    }
  }
  const double n = examples.empty() ? 1.0 : static_cast<double>(examples.size());
  return {{"cot_tokens_per_answer", cot / n},
          {"direct_tokens_per_answer", direct / n},
          {"prompt_tokens_per_question", prompt / n},
          {"round_trip_failures", failures},
          {"texts", texts}};
}

}  // namespace labkit::cognidual_train
