#include "generation_bench.h"

#include <fmt/format.h>

#include <algorithm>

#include "labkit/core/error.h"
#include "labkit/llama/tokenizer.h"
#include "lm.h"

namespace labkit::cognidual_train {

namespace {
// Single byte tokens can leave invalid UTF-8, which JSON cannot hold: those bytes become U+FFFD (the
// bench compares the token ids, which stay exact).
std::string valid_utf8(const std::string& text) {
  return nlohmann::json::parse(
             nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace))
      .get<std::string>();
}
}  // namespace

nlohmann::json bench_generation(const GenerationBenchRequest& request) {
  const LanguageModel lm(request.model);
  // A tokenizer.bin holds no vocabulary size: read as many pieces as the model has (run.c does the same).
  const auto tokenizer = llama::open_tokenizer(request.tokenizer, lm.vocab_size());
  if (tokenizer->vocab_size() != lm.vocab_size())
    throw input_error(request.tokenizer, fmt::format("tokenizer has {} tokens, the model {}", tokenizer->vocab_size(),
                                                     lm.vocab_size()));
  const auto prompt = tokenizer->encode(request.prompt, true);
  const auto n_prompt = static_cast<int64_t>(prompt.size());
  if (request.steps <= n_prompt || request.steps > lm.seq_len())
    throw input_error(request.model, fmt::format("--steps {} must exceed the {} prompt tokens and be at most seq_len {}",
                                                 request.steps, n_prompt, lm.seq_len()));
  nlohmann::json ms_per_run = nlohmann::json::array();
  Generation best;
  for (int64_t r = 0; r < std::max<int64_t>(1, request.repeats); ++r) {
    // run.c forwards `steps` positions and samples after each from the prompt's last one on.
    auto g = lm.generate(prompt, request.steps - n_prompt + 1, 0.0, 1.0, 1, 0, tokenizer->bos_id()).front();
    ms_per_run.push_back(g.ms);
    if (r == 0 || g.ms < best.ms) best = std::move(g);
  }
  auto generated = best.tokens;
  // run.c stops on BOS without printing it.
  if (!generated.empty() && generated.back() == tokenizer->bos_id()) generated.pop_back();
  auto all = prompt;
  all.insert(all.end(), generated.begin(), generated.end());
  const auto n_new = static_cast<int64_t>(best.tokens.size());
  return {{"model", request.model},
          {"tokenizer", request.tokenizer},
          {"prompt", request.prompt},
          {"steps", request.steps},
          {"prompt_tokens", n_prompt},
          {"new_tokens", n_new},
          {"tokens", all},
          {"ms", best.ms},
          {"ms_per_run", ms_per_run},
          {"tokens_per_s", best.ms > 0 ? 1000.0 * static_cast<double>(n_new) / best.ms : 0.0},
          {"text", valid_utf8(tokenizer->decode(all))}};
}

std::string generation_bench_text(const nlohmann::json& m) {
  return fmt::format("{}\n\n{} prompt + {} new tokens in {:.1f} ms: {:.1f} tokens/s (greedy, KV cache)",
                     m.at("text").get<std::string>(), m.at("prompt_tokens").get<int64_t>(),
                     m.at("new_tokens").get<int64_t>(), m.at("ms").get<double>(), m.at("tokens_per_s").get<double>());
}

}  // namespace labkit::cognidual_train
