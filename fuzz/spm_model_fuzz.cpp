// labkit::llama's SentencePiece .model reader (protobuf wire format) and, for models it accepts, the BPE
// tokenizer built from it, encoding and decoding a fixed text.
#include "harness.h"
#include "labkit/llama/spm_model.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  labkit::fuzz::expect_input_error_only([&] {
    auto model = labkit::llama::parse_spm_model(std::string(labkit::fuzz::as_text(data, size)), "tokenizer.model");
    labkit::llama::SpmBpeTokenizer tok(std::move(model), "tokenizer.model");
    tok.decode(tok.encode("Hello world,  x\n\xF0\x9F\x98\x80 <0x41>", true));
  });
  return 0;
}
