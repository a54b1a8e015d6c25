#include "data.h"

#include <torch/torch.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "labkit/core/atomic_file.h"
#include "labkit/core/error.h"

namespace labkit::ostquant_calibrate {

int64_t llama2c_tokenizer_entries(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw labkit::input_error(path, "cannot open tokenizer");
  const auto size = static_cast<int64_t>(std::filesystem::file_size(path));
  int32_t max_len = 0;
  in.read(reinterpret_cast<char*>(&max_len), 4);
  if (!in || max_len <= 0 || max_len > 4096) throw labkit::input_error(path, "not a llama2.c tokenizer.bin (bad header)");
  int64_t n = 0, pos = 4;
  while (pos < size) {
    char head[8];
    int32_t len = -1;
    if (pos + 8 <= size && in.read(head, 8)) std::memcpy(&len, head + 4, 4);
    if (len < 0 || len > max_len || pos + 8 + len > size)
      throw labkit::input_error(path, "not a llama2.c tokenizer.bin (entry " + std::to_string(n) + " is cut or corrupt)");
    in.seekg(len, std::ios::cur);
    pos += 8 + len;
    ++n;
  }
  return n;
}

std::unique_ptr<labkit::llama::Tokenizer> open_model_tokenizer(const std::string& path, int64_t model_vocab) {
  const bool spm = std::filesystem::path(path).extension() == ".model";
  if (!spm && std::filesystem::exists(path)) {
    const int64_t n = llama2c_tokenizer_entries(path);
    if (n != model_vocab)
      throw labkit::input_error(path, "the tokenizer has " + std::to_string(n) + " tokens but the model's vocabulary has " +
                                          std::to_string(model_vocab) + "; use the tokenizer the model was trained with");
  }
  auto tok = labkit::llama::open_tokenizer(path, model_vocab);
  if (tok->vocab_size() != model_vocab)
    throw labkit::input_error(path, "the tokenizer has " + std::to_string(tok->vocab_size()) +
                                        " tokens but the model's vocabulary has " + std::to_string(model_vocab) +
                                        "; use the tokenizer the model was trained with");
  return tok;
}

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

}  // namespace labkit::ostquant_calibrate
