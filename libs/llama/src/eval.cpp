#include "labkit/llama/eval.h"

#include <torch/torch.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include "labkit/core/atomic_file.h"
#include "labkit/core/error.h"

namespace labkit::llama {

double PerplexityResult::ppl() const { return tokens > 0 ? std::exp(nll_sum / static_cast<double>(tokens)) : NAN; }

namespace {
struct Window {
  const TokenStream* stream;
  int64_t begin, end, score_from;  // tokens [begin, end); targets at absolute positions >= score_from
};
}  // namespace

PerplexityResult perplexity(const Model& model, const std::vector<TokenStream>& streams, int64_t window,
                            int64_t stride, const ForwardHooks* hooks, int64_t batch) {
  TORCH_CHECK(window >= 2 && stride >= 1 && stride <= window, "perplexity: need 2 <= window, 1 <= stride <= window");
  std::vector<Window> wins;
  for (const auto& s : streams) {
    const auto n = static_cast<int64_t>(s.size());
    if (n < 2) continue;
    int64_t scored_to = 1;  // first token has no prediction
    for (int64_t b = 0; scored_to < n; b += stride) {
      int64_t e = std::min(b + window, n);
      wins.push_back({&s, b, e, std::max(scored_to, b + 1)});  // a window's first token has no context
      scored_to = e;
    }
  }
  PerplexityResult r;
  torch::NoGradGuard ng;
  auto device = model.w("model.embed_tokens.weight").device();
  // Group windows of equal length so each batch is one rectangular tensor.
  for (size_t i = 0; i < wins.size();) {
    size_t j = i;
    const int64_t len = wins[i].end - wins[i].begin;
    std::vector<torch::Tensor> rows;
    while (j < wins.size() && static_cast<int64_t>(rows.size()) < batch && wins[j].end - wins[j].begin == len) {
      const auto& w = wins[j];
      rows.push_back(torch::tensor(std::vector<int64_t>(w.stream->begin() + w.begin, w.stream->begin() + w.end),
                                   torch::kLong));
      ++j;
    }
    auto tokens = torch::stack(rows).to(device);
    auto logits = forward(model, tokens, nullptr, hooks).to(torch::kDouble);
    auto logp = torch::log_softmax(logits.narrow(1, 0, len - 1), -1);
    auto tgt = tokens.narrow(1, 1, len - 1);
    auto nll = -logp.gather(-1, tgt.unsqueeze(-1)).squeeze(-1).cpu();  // [b, len-1]; column t predicts begin+t+1
    for (size_t k = i; k < j; ++k) {
      const auto& w = wins[k];
      const int64_t first = w.score_from - w.begin - 1;  // column of the first scored target
      r.nll_sum += nll[static_cast<int64_t>(k - i)].narrow(0, first, len - 1 - first).sum().item<double>();
      r.tokens += len - 1 - first;
    }
    i = j;
  }
  return r;
}

TokenStream generate(const Model& model, const TokenStream& prompt, const GenerateOptions& o,
                     const ForwardHooks* hooks) {
  return generate_batch(model, {prompt}, o, hooks).at(0);
}

namespace {
// Next token per row of logits [B, vocab] (float64, CPU): argmax, or top-p sampling at the temperature.
std::vector<int64_t> pick_next(const torch::Tensor& logits, const GenerateOptions& o, at::Generator& gen) {
  std::vector<int64_t> next(logits.size(0));
  if (o.temperature <= 0) {
    auto a = logits.argmax(-1);
    for (int64_t b = 0; b < logits.size(0); ++b) next[b] = a[b].item<int64_t>();
    return next;
  }
  auto probs = torch::softmax(logits / o.temperature, -1);
  auto [sorted, idx] = probs.sort(-1, true);
  auto cum = sorted.cumsum(-1);
  // Keep the smallest prefix whose mass reaches top_p (always at least one token).
  auto keep = (cum - sorted) < o.top_p;
  auto kept = sorted * keep.to(torch::kDouble);
  auto pick = torch::multinomial(kept / kept.sum(-1, true), 1, false, gen);
  for (int64_t b = 0; b < logits.size(0); ++b) next[b] = idx[b][pick[b][0].item<int64_t>()].item<int64_t>();
  return next;
}
}  // namespace

std::vector<TokenStream> generate_batch(const Model& model, const std::vector<TokenStream>& prompts,
                                        const GenerateOptions& o, const ForwardHooks* hooks) {
  TORCH_CHECK(!prompts.empty() && !prompts[0].empty(), "generate: empty prompt");
  for (const auto& p : prompts) TORCH_CHECK(p.size() == prompts[0].size(), "generate_batch: prompts of unequal length");
  torch::NoGradGuard ng;
  auto device = model.w("model.embed_tokens.weight").device();
  auto gen = at::detail::createCPUGenerator(o.seed);
  const auto B = static_cast<int64_t>(prompts.size());
  KVCache cache;
  std::vector<TokenStream> out(B);
  std::vector<bool> done(B, false);
  int64_t active = B;
  std::vector<int64_t> flat;
  for (const auto& p : prompts) flat.insert(flat.end(), p.begin(), p.end());
  auto input = torch::tensor(flat, torch::kLong).view({B, -1}).to(device);
  for (int64_t step = 0; step < o.max_new_tokens && active > 0; ++step) {
    if (cache.pos + input.size(1) > model.config.seq_len) break;
    auto logits = forward(model, input, &cache, hooks).select(1, -1).to(torch::kDouble).cpu();
    const auto next = pick_next(logits, o, gen);
    for (int64_t b = 0; b < B; ++b) {
      if (done[b]) continue;
      out[b].push_back(next[b]);
      if (next[b] == o.stop_token || (o.stop_when && o.stop_when(out[b]))) done[b] = true, --active;
    }
    input = torch::tensor(next, torch::kLong).view({B, 1}).to(device);
  }
  return out;
}

std::function<bool(const TokenStream&)> stop_on_strings(std::function<std::string(const TokenStream&)> decode,
                                                        std::vector<std::string> stops) {
  return [decode = std::move(decode), stops = std::move(stops)](const TokenStream& generated) {
    const std::string text = decode(generated);
    for (const auto& s : stops)
      if (!s.empty() && text.find(s) != std::string::npos) return true;
    return false;
  };
}

std::vector<TokenStream> read_token_streams(const std::string& path, int64_t vocab) {
  std::ifstream in(path);
  if (!in) throw input_error(path, "cannot open token-id file");
  std::vector<TokenStream> streams;
  std::string line;
  int64_t lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    std::istringstream ss(line);
    TokenStream s;
    std::string tok;
    while (ss >> tok) {
      size_t used = 0;
      long long v = 0;
      try {
        v = std::stoll(tok, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      if (used != tok.size()) throw input_error(path, "line " + std::to_string(lineno) + ": \"" + tok + "\" is not a token id");
      if (v < 0 || (vocab > 0 && v >= vocab))
        throw input_error(path, "line " + std::to_string(lineno) + ": token id " + tok + " outside [0, " +
                                    std::to_string(vocab) + ")");
      s.push_back(v);
    }
    if (!s.empty()) streams.push_back(std::move(s));
  }
  return streams;
}

void write_token_streams(const std::string& path, const std::vector<TokenStream>& streams) {
  std::ostringstream o;
  for (const auto& s : streams) {
    for (size_t i = 0; i < s.size(); ++i) o << (i ? " " : "") << s[i];
    o << "\n";
  }
  write_file_atomically(path, o.str());
}

}  // namespace labkit::llama
