#include "data.h"

#include <torch/torch.h>

#include "labkit/core/atomic_file.h"
#include "labkit/core/error.h"

namespace ostq {

std::vector<TokenStream> sample_streams(const labkit::llama::Model& model, int64_t n, int64_t length, uint64_t seed,
                                        double top_p, int64_t bos) {
  torch::NoGradGuard ng;
  auto gen = at::detail::createCPUGenerator(seed);
  auto device = model.w("model.embed_tokens.weight").device();
  labkit::llama::KVCache cache;
  auto tokens = torch::full({n, 1}, bos, torch::kLong);
  std::vector<torch::Tensor> cols{tokens};
  for (int64_t t = 1; t < length; ++t) {
    auto logits = labkit::llama::forward(model, tokens.to(device), &cache).select(1, -1).to(torch::kDouble).cpu();
    auto probs = torch::softmax(logits, -1);
    auto [sorted, idx] = probs.sort(-1, true);
    auto keep = (sorted.cumsum(-1) - sorted) < top_p;  // smallest prefix reaching top_p
    auto kept = sorted * keep.to(torch::kDouble);
    auto pick = torch::multinomial(kept / kept.sum(-1, true), 1, false, gen);
    tokens = idx.gather(1, pick);
    cols.push_back(tokens);
  }
  auto all = torch::cat(cols, 1);
  std::vector<TokenStream> out(n);
  for (int64_t i = 0; i < n; ++i) {
    auto row = all[i].contiguous();
    out[i].assign(row.data_ptr<int64_t>(), row.data_ptr<int64_t>() + length);
  }
  return out;
}

std::vector<TokenStream> cut_windows(const std::vector<TokenStream>& streams, int64_t window, int64_t min_windows,
                                     const std::string& source) {
  std::vector<TokenStream> out;
  int64_t total = 0;
  for (const auto& s : streams) {
    total += static_cast<int64_t>(s.size());
    for (size_t b = 0; b + window <= s.size(); b += window) out.emplace_back(s.begin() + b, s.begin() + b + window);
  }
  if (static_cast<int64_t>(out.size()) < min_windows)
    throw labkit::input_error(source, std::to_string(total) + " tokens give " + std::to_string(out.size()) +
                                          " windows of " + std::to_string(window) + " tokens; need at least " +
                                          std::to_string(min_windows));
  return out;
}

std::vector<TokenStream> text_windows(const std::string& path, const labkit::llama::Tokenizer& tok, int64_t window,
                                      int64_t max_windows, int64_t min_windows) {
  auto text = labkit::read_file(path);
  auto ids = tok.encode(text, true);
  auto w = cut_windows({ids}, window, min_windows, path);
  if (max_windows > 0 && static_cast<int64_t>(w.size()) > max_windows) w.resize(max_windows);
  return w;
}

}  // namespace ostq
