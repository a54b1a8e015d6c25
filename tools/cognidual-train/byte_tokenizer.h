// The tokenizer of models trained from scratch here: one token per byte (ids 3..258) after pad 0, BOS 1,
// EOS 2. The task texts are ASCII, so this is a character-level tokenizer; any UTF-8 round-trips exactly.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "labkit/llama/tokenizer.h"

namespace labkit::cognidual_train {

class ByteTokenizer : public labkit::llama::Tokenizer {
 public:
  static constexpr int64_t kPad = 0, kBos = 1, kEos = 2, kFirstByte = 3, kVocab = 259;
  std::vector<int64_t> encode(const std::string& text, bool bos) const override;
  // Special ids are skipped; an id outside the vocabulary throws std::out_of_range.
  std::string decode(const std::vector<int64_t>& ids) const override;
  int64_t vocab_size() const override { return kVocab; }
  int64_t bos_id() const override { return kBos; }
  int64_t eos_id() const override { return kEos; }
  static int64_t id_of(char c) { return kFirstByte + static_cast<unsigned char>(c); }
};

}  // namespace labkit::cognidual_train
