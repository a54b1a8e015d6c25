#include "byte_tokenizer.h"

#include <stdexcept>

namespace labkit::cognidual_train {

std::vector<int64_t> ByteTokenizer::encode(const std::string& text, bool bos) const {
  std::vector<int64_t> ids;
  ids.reserve(text.size() + 1);
  if (bos) ids.push_back(kBos);
  for (char c : text) ids.push_back(id_of(c));
  return ids;
}

std::string ByteTokenizer::decode(const std::vector<int64_t>& ids) const {
  std::string text;
  for (int64_t id : ids) {
    if (id < 0 || id >= kVocab) throw std::out_of_range("byte tokenizer: id " + std::to_string(id) + " outside [0, 259)");
    if (id >= kFirstByte) text += static_cast<char>(id - kFirstByte);
  }
  return text;
}

}  // namespace labkit::cognidual_train
