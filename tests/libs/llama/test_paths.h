// Paths of the real files the llama tests use.
#pragma once
#include <string>

namespace labkit::llama::test {
inline std::string stories_path() { return std::string(LABKIT_SHARED_DATA_DIR) + "/llm/stories260K.bin"; }
inline std::string tokenizer_path() { return std::string(LABKIT_SHARED_DATA_DIR) + "/llm/llama2c_tokenizer.bin"; }
inline std::string reference_path() {
  return std::string(LABKIT_SOURCE_DIR) + "/tests/libs/llama/stories260K_reference.txt";
}
}  // namespace labkit::llama::test
