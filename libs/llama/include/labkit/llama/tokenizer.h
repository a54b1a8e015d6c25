// Tokenizers: llama2.c's tokenizer.bin (BPE by merge scores, byte fallback) and SentencePiece .model files
// (BPE, LLaMA-style): read by our own parser (spm_model.h), or by Debian's libsentencepiece when the
// build links it (LABKIT_LLAMA_HAVE_SENTENCEPIECE; off by default: it crashes with LibTorch's protobuf).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace labkit::llama {

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;
  virtual std::vector<int64_t> encode(const std::string& text, bool bos) const = 0;
  virtual std::string decode(const std::vector<int64_t>& ids) const = 0;
  virtual int64_t vocab_size() const = 0;
  virtual int64_t bos_id() const { return 1; }
  virtual int64_t eos_id() const { return 2; }
};

// llama2.c tokenizer.bin: int32 max_token_length, then per token float32 score, int32 length, bytes.
// Ids 0..2 are <unk>, <s>, </s> and 3..258 the byte tokens, so a vocabulary has at least 259 tokens.
inline constexpr int64_t kLlama2cFirstPieces = 259;
class Llama2cTokenizer : public Tokenizer {
 public:
  // Throws InputError(path: ...) on a truncated or inconsistent file.
  Llama2cTokenizer(const std::string& path, int64_t vocab_size);
  std::vector<int64_t> encode(const std::string& text, bool bos) const override;
  std::string decode(const std::vector<int64_t>& ids) const override;
  int64_t vocab_size() const override { return static_cast<int64_t>(pieces_.size()); }
  const std::string& piece(int64_t id) const { return pieces_.at(id); }
  float score(int64_t id) const { return scores_.at(id); }

 private:
  std::vector<std::string> pieces_;
  std::vector<float> scores_;
  std::unordered_map<std::string, int64_t> lookup_;
};

// True when libsentencepiece is linked (.model files are readable either way).
bool sentencepiece_available();
// Opens `path`: a SentencePiece .model or a llama2.c tokenizer.bin (vocab from the model).
std::unique_ptr<Tokenizer> open_tokenizer(const std::string& path, int64_t vocab_size);

}  // namespace labkit::llama
