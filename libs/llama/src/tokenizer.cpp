#include "labkit/llama/tokenizer.h"

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "labkit/core/error.h"
#include "labkit/llama/spm_model.h"

#ifdef LABKIT_LLAMA_HAVE_SENTENCEPIECE
#include <sentencepiece_processor.h>
#endif

namespace labkit::llama {

Llama2cTokenizer::Llama2cTokenizer(const std::string& path, int64_t vocab_size) {
  // encode() falls back to ids 3..258 for bytes (<unk>, <s>, </s>, then <0x00>..<0xFF>, as llama2.c's
  // tokenizers are laid out); a smaller vocabulary made it index past the pieces (fuzz/llama2c_tokenizer_fuzz).
  if (vocab_size < kLlama2cFirstPieces)
    throw input_error(path, "vocabulary of " + std::to_string(vocab_size) + " tokens; a llama2.c tokenizer has at least " +
                                std::to_string(kLlama2cFirstPieces) + " (3 special and 256 byte tokens)");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw input_error(path, "cannot open tokenizer");
  int32_t max_len = 0;
  in.read(reinterpret_cast<char*>(&max_len), 4);
  if (!in || max_len <= 0 || max_len > 4096) throw input_error(path, "bad llama2.c tokenizer header");
  for (int64_t i = 0; i < vocab_size; ++i) {
    float score = 0;
    int32_t len = 0;
    in.read(reinterpret_cast<char*>(&score), 4);
    in.read(reinterpret_cast<char*>(&len), 4);
    if (!in || len < 0 || len > max_len)
      throw input_error(path, "truncated or corrupt at token " + std::to_string(i) + " of " + std::to_string(vocab_size));
    std::string s(static_cast<size_t>(len), '\0');
    in.read(s.data(), len);
    if (!in) throw input_error(path, "truncated at token " + std::to_string(i));
    lookup_.emplace(s, i);
    pieces_.push_back(std::move(s));
    scores_.push_back(score);
  }
}

// llama2.c's algorithm: dummy-prefix space, UTF-8 code points (byte fallback +3), then repeatedly merge
// the adjacent pair whose merged piece has the best score.
std::vector<int64_t> Llama2cTokenizer::encode(const std::string& text, bool bos) const {
  std::vector<int64_t> ids;
  if (bos) ids.push_back(1);
  if (text.empty()) return ids;
  auto find = [&](const std::string& s) -> int64_t {
    auto it = lookup_.find(s);
    return it == lookup_.end() ? -1 : it->second;
  };
  std::vector<int64_t> toks;
  if (int64_t sp = find(" "); sp >= 0) toks.push_back(sp);
  for (size_t i = 0; i < text.size();) {
    size_t n = 1;
    auto c = static_cast<unsigned char>(text[i]);
    if ((c & 0xE0) == 0xC0) n = 2;
    else if ((c & 0xF0) == 0xE0) n = 3;
    else if ((c & 0xF8) == 0xF0) n = 4;
    n = std::min(n, text.size() - i);
    std::string cp = text.substr(i, n);
    int64_t id = find(cp);
    if (id >= 0) {
      toks.push_back(id);
    } else {
      for (unsigned char b : cp) toks.push_back(static_cast<int64_t>(b) + 3);
    }
    i += n;
  }
  while (true) {
    float best = -1e10f;
    int64_t best_id = -1, best_i = -1;
    for (size_t i = 0; i + 1 < toks.size(); ++i) {
      int64_t id = find(pieces_[toks[i]] + pieces_[toks[i + 1]]);
      if (id >= 0 && scores_[id] > best) {
        best = scores_[id];
        best_id = id;
        best_i = static_cast<int64_t>(i);
      }
    }
    if (best_i < 0) break;
    toks[best_i] = best_id;
    toks.erase(toks.begin() + best_i + 1);
  }
  ids.insert(ids.end(), toks.begin(), toks.end());
  return ids;
}

std::string Llama2cTokenizer::decode(const std::vector<int64_t>& ids) const {
  std::string out;
  int64_t prev = -1;
  for (int64_t id : ids) {
    if (id < 0 || id >= vocab_size()) continue;
    if (id == 1 || id == 2) {  // BOS / EOS are not text
      prev = id;
      continue;
    }
    std::string p = pieces_[id];
    if (prev == 1 && !p.empty() && p[0] == ' ') p = p.substr(1);
    unsigned int byte = 0;
    if (p.size() == 6 && std::sscanf(p.c_str(), "<0x%02X>", &byte) == 1) p = std::string(1, static_cast<char>(byte));
    out += p;
    prev = id;
  }
  return out;
}

#ifdef LABKIT_LLAMA_HAVE_SENTENCEPIECE
namespace {
class SentencePieceTokenizer : public Tokenizer {
 public:
  explicit SentencePieceTokenizer(const std::string& path) {
    auto st = sp_.Load(path);
    if (!st.ok()) throw input_error(path, "not a SentencePiece model: " + st.ToString());
  }
  std::vector<int64_t> encode(const std::string& text, bool bos) const override {
    std::vector<int> ids;
    sp_.Encode(text, &ids);
    std::vector<int64_t> out;
    if (bos) out.push_back(sp_.bos_id());
    out.insert(out.end(), ids.begin(), ids.end());
    return out;
  }
  std::string decode(const std::vector<int64_t>& ids) const override {
    std::vector<int> v(ids.begin(), ids.end());
    std::string s;
    sp_.Decode(v, &s);
    return s;
  }
  int64_t vocab_size() const override { return sp_.GetPieceSize(); }
  int64_t bos_id() const override { return sp_.bos_id(); }
  int64_t eos_id() const override { return sp_.eos_id(); }

 private:
  sentencepiece::SentencePieceProcessor sp_;
};
}  // namespace
bool sentencepiece_available() { return true; }
#else
bool sentencepiece_available() { return false; }
#endif

std::unique_ptr<Tokenizer> open_tokenizer(const std::string& path, int64_t vocab_size) {
  if (!std::filesystem::exists(path)) throw input_error(path, "tokenizer file does not exist");
  if (std::filesystem::path(path).extension() == ".model") {
#ifdef LABKIT_LLAMA_HAVE_SENTENCEPIECE
    return std::make_unique<SentencePieceTokenizer>(path);
#else
    return std::make_unique<SpmBpeTokenizer>(path);  // our own reader: BPE models with identity normalization
#endif
  }
  return std::make_unique<Llama2cTokenizer>(path, vocab_size);
}

}  // namespace labkit::llama
