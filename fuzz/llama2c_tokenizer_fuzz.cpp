// labkit::llama's llama2.c tokenizer.bin reader. The first byte picks the vocabulary size the model would
// state (259..514: 3 special and 256 byte tokens, then up to 255 more); the rest is the file. A tokenizer that loads then encodes and decodes a fixed text.
#include "harness.h"
#include "labkit/llama/tokenizer.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const int64_t vocab = labkit::llama::kLlama2cFirstPieces + data[0];
  const std::string path = labkit::fuzz::write_input(data + 1, size - 1, "tokenizer.bin");
  labkit::fuzz::expect_input_error_only([&] {
    labkit::llama::Llama2cTokenizer tok(path, vocab);
    tok.decode(tok.encode("Hello world, \xE2\x96\x81x\n\xF0\x9F\x98\x80", true));
  });
  return 0;
}
