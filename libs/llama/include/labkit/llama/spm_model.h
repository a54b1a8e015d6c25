// SentencePiece .model files without libsentencepiece: a protobuf wire-format reader for the ModelProto
// fields a LLaMA tokenizer needs, and a BPE tokenizer that encodes as SentencePiece's BPE model does
// (identity normalization, U+2581 for spaces, dummy prefix, best-score merges, <0xNN> byte fallback).
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "labkit/llama/tokenizer.h"

namespace labkit::llama {

// sentencepiece_model.proto: SentencePiece.Type and TrainerSpec.ModelType values.
enum class SpmPieceType : int { kNormal = 1, kUnknown = 2, kControl = 3, kUserDefined = 4, kUnused = 5, kByte = 6 };
enum class SpmModelType : int { kUnigram = 1, kBpe = 2, kWord = 3, kChar = 4 };

struct SpmPiece {
  std::string piece;
  float score = 0.0f;
  SpmPieceType type = SpmPieceType::kNormal;
};

// The parsed model; defaults are the proto's defaults for fields a file leaves out.
struct SpmModel {
  std::vector<SpmPiece> pieces;
  SpmModelType model_type = SpmModelType::kUnigram;
  bool byte_fallback = false;
  bool treat_whitespace_as_suffix = false;
  int64_t unk_id = 0, bos_id = 1, eos_id = 2, pad_id = -1;
  std::string normalizer_name;
  std::string precompiled_charsmap;  // non-empty for NFKC-style normalizers (not applied by SpmBpeTokenizer)
  bool add_dummy_prefix = true;
  bool remove_extra_whitespaces = true;
  bool escape_whitespaces = true;
};

// Parses ModelProto bytes; `name` (the file) prefixes error messages. Throws InputError on a truncated
// varint or field, a wire type that does not match a known field, a bad piece type, or no pieces.
SpmModel parse_spm_model(const std::string& bytes, const std::string& name);
// Reads and parses `path`. Throws InputError(path: ...).
SpmModel read_spm_model(const std::string& path);

// SentencePiece BPE encoding (LLaMA's tokenizer.model). Throws InputError(path: ...) for models it cannot
// encode exactly: not BPE, a precompiled normalization charsmap, whitespace-as-suffix.
class SpmBpeTokenizer : public Tokenizer {
 public:
  explicit SpmBpeTokenizer(const std::string& path);
  SpmBpeTokenizer(SpmModel model, const std::string& name);
  std::vector<int64_t> encode(const std::string& text, bool bos) const override;
  std::string decode(const std::vector<int64_t>& ids) const override;
  int64_t vocab_size() const override { return static_cast<int64_t>(model_.pieces.size()); }
  int64_t bos_id() const override { return model_.bos_id; }
  int64_t eos_id() const override { return model_.eos_id; }
  int64_t unk_id() const { return model_.unk_id; }
  const SpmModel& model() const { return model_; }

 private:
  std::string normalize(const std::string& text) const;
  int64_t piece_id(const std::string& piece) const;  // unk_id when absent

  SpmModel model_;
  std::unordered_map<std::string, int64_t> mergeable_;  // NORMAL, USER_DEFINED, UNUSED: BPE merge targets
  std::unordered_map<std::string, int64_t> all_;        // every piece
  std::vector<std::string> user_defined_;               // matched whole, never split or merged
  int64_t byte_ids_[256];
};

}  // namespace labkit::llama
