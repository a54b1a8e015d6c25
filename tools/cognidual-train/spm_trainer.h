// A SentencePiece BPE tokenizer trained on the task texts by Debian's `spm_train` (run as a program), for
// models trained from scratch, read back with labkit::llama's own .model reader (SpmBpeTokenizer).
// Trained so that the tokenizer round-trips the texts byte for byte and pieces concatenate: identity
// normalization, no dummy prefix, spaces kept as they are, byte fallback (so '\n', which spm_train never
// sees inside a line, is always the single byte token <0x0A>: the stop token of an answer).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "labkit/llama/spm_model.h"

namespace labkit::cognidual_train {

struct SpmTrainOptions {
  int64_t vocab_size = 512;  // pieces in all (3 specials + 256 byte pieces + merges)
  std::string spm_train = "spm_train";  // the program, found on PATH unless a path
};

// Writes `dir`/corpus.txt (every line of every text, empty lines dropped), runs spm_train into
// `dir`/tokenizer.model (its log in `dir`/spm_train.log) and returns the path of the model. Throws
// std::runtime_error when spm_train cannot be run or fails (the log's last line in the message).
std::string train_spm_tokenizer(const std::vector<std::string>& texts, const SpmTrainOptions& options,
                                const std::string& dir);

// True when `program` can be executed (a path, or found on PATH).
bool program_available(const std::string& program);

}  // namespace labkit::cognidual_train
