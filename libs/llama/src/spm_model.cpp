#include "labkit/llama/spm_model.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <iterator>
#include <queue>

#include "labkit/core/error.h"

namespace labkit::llama {
namespace {

// Field numbers from the public sentencepiece_model.proto.
constexpr uint32_t kModelPieces = 1, kModelTrainerSpec = 2, kModelNormalizerSpec = 3;
constexpr uint32_t kPieceText = 1, kPieceScore = 2, kPieceType = 3;
constexpr uint32_t kTrainerModelType = 3, kTrainerWsSuffix = 24, kTrainerByteFallback = 35, kTrainerUnkId = 40,
                   kTrainerBosId = 41, kTrainerEosId = 42, kTrainerPadId = 43;
constexpr uint32_t kNormName = 1, kNormCharsmap = 2, kNormDummyPrefix = 3, kNormRemoveExtraWs = 4,
                   kNormEscapeWs = 5;
enum WireType : uint32_t { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5 };

const char* const kSpace = "\xE2\x96\x81";  // U+2581 LOWER ONE EIGHTH BLOCK, SentencePiece's space

// Minimal protobuf wire-format reader over one message's bytes.
class WireReader {
 public:
  WireReader(const char* p, size_t n, const std::string& name, std::string context)
      : p_(p), end_(p + n), name_(name), context_(std::move(context)) {}
  bool done() const { return p_ == end_; }

  uint64_t varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p_ == end_) fail("truncated varint");
      auto b = static_cast<uint8_t>(*p_++);
      v |= static_cast<uint64_t>(b & 0x7F) << shift;
      if (!(b & 0x80)) return v;
    }
    fail("varint longer than 10 bytes");
  }
  // Reads a tag; returns the field number and stores the wire type.
  uint32_t tag(uint32_t* wire) {
    uint64_t t = varint();
    *wire = static_cast<uint32_t>(t & 7);
    if ((t >> 3) == 0 || (t >> 3) > 0x1FFFFFFF) fail("bad field number " + std::to_string(t >> 3));
    return static_cast<uint32_t>(t >> 3);
  }
  std::pair<const char*, size_t> bytes() {
    uint64_t n = varint();
    if (n > static_cast<uint64_t>(end_ - p_)) fail("truncated length-delimited field");
    const char* s = p_;
    p_ += n;
    return {s, static_cast<size_t>(n)};
  }
  float fixed32_float() {
    if (end_ - p_ < 4) fail("truncated fixed32 field");
    float f;
    std::memcpy(&f, p_, 4);  // little-endian on every platform labkit builds for
    p_ += 4;
    return f;
  }
  void skip(uint32_t wire) {
    switch (wire) {
      case kVarint: varint(); break;
      case kFixed64: advance(8); break;
      case kLengthDelimited: bytes(); break;
      case kFixed32: advance(4); break;
      default: fail("unsupported wire type " + std::to_string(wire));
    }
  }
  void expect(uint32_t field, uint32_t wire, uint32_t want) {
    if (wire != want)
      fail("field " + std::to_string(field) + " has wire type " + std::to_string(wire) + ", expected " +
           std::to_string(want));
  }
  [[noreturn]] void fail(const std::string& what) const {
    throw input_error(name_, "bad SentencePiece model (" + context_ + "): " + what);
  }

 private:
  void advance(size_t n) {
    if (static_cast<size_t>(end_ - p_) < n) fail("truncated fixed-size field");
    p_ += n;
  }
  const char* p_;
  const char* end_;
  const std::string& name_;
  std::string context_;
};

// proto2 int32 fields are sign-extended 64-bit varints.
int64_t as_int32(uint64_t v) { return static_cast<int64_t>(static_cast<int32_t>(static_cast<uint32_t>(v))); }

SpmPiece parse_piece(const char* p, size_t n, const std::string& name, size_t index) {
  WireReader r(p, n, name, "piece " + std::to_string(index));
  SpmPiece piece;
  while (!r.done()) {
    uint32_t wire;
    uint32_t f = r.tag(&wire);
    if (f == kPieceText) {
      r.expect(f, wire, kLengthDelimited);
      auto [s, len] = r.bytes();
      piece.piece.assign(s, len);
    } else if (f == kPieceScore) {
      r.expect(f, wire, kFixed32);
      piece.score = r.fixed32_float();
    } else if (f == kPieceType) {
      r.expect(f, wire, kVarint);
      uint64_t t = r.varint();
      if (t < 1 || t > 6) r.fail("unknown piece type " + std::to_string(t));
      piece.type = static_cast<SpmPieceType>(t);
    } else {
      r.skip(wire);
    }
  }
  return piece;
}

void parse_trainer(const char* p, size_t n, const std::string& name, SpmModel* m) {
  WireReader r(p, n, name, "trainer_spec");
  while (!r.done()) {
    uint32_t wire;
    uint32_t f = r.tag(&wire);
    auto varint_field = [&] {
      r.expect(f, wire, kVarint);
      return r.varint();
    };
    switch (f) {
      case kTrainerModelType: {
        uint64_t t = varint_field();
        if (t < 1 || t > 4) r.fail("unknown model_type " + std::to_string(t));
        m->model_type = static_cast<SpmModelType>(t);
        break;
      }
      case kTrainerWsSuffix: m->treat_whitespace_as_suffix = varint_field() != 0; break;
      case kTrainerByteFallback: m->byte_fallback = varint_field() != 0; break;
      case kTrainerUnkId: m->unk_id = as_int32(varint_field()); break;
      case kTrainerBosId: m->bos_id = as_int32(varint_field()); break;
      case kTrainerEosId: m->eos_id = as_int32(varint_field()); break;
      case kTrainerPadId: m->pad_id = as_int32(varint_field()); break;
      default: r.skip(wire);
    }
  }
}

void parse_normalizer(const char* p, size_t n, const std::string& name, SpmModel* m) {
  WireReader r(p, n, name, "normalizer_spec");
  while (!r.done()) {
    uint32_t wire;
    uint32_t f = r.tag(&wire);
    if (f == kNormName || f == kNormCharsmap) {
      r.expect(f, wire, kLengthDelimited);
      auto [s, len] = r.bytes();
      (f == kNormName ? m->normalizer_name : m->precompiled_charsmap).assign(s, len);
    } else if (f == kNormDummyPrefix || f == kNormRemoveExtraWs || f == kNormEscapeWs) {
      r.expect(f, wire, kVarint);
      bool v = r.varint() != 0;
      (f == kNormDummyPrefix ? m->add_dummy_prefix : f == kNormRemoveExtraWs ? m->remove_extra_whitespaces
                                                                              : m->escape_whitespaces) = v;
    } else {
      r.skip(wire);
    }
  }
}

size_t utf8_len(unsigned char c) {
  if (c < 0x80) return 1;
  if ((c & 0xE0) == 0xC0) return 2;
  if ((c & 0xF0) == 0xE0) return 3;
  if ((c & 0xF8) == 0xF0) return 4;
  return 1;  // stray continuation or invalid lead byte: one byte on its own
}

// Appends decoded byte pieces, replacing each byte of an invalid UTF-8 sequence with U+FFFD as
// SentencePiece's decoder does.
void append_bytes(const std::string& bytes, std::string* out) {
  for (size_t i = 0; i < bytes.size();) {
    auto c = static_cast<unsigned char>(bytes[i]);
    size_t n = utf8_len(c);
    bool ok = (c < 0x80) || (n > 1 && i + n <= bytes.size());
    for (size_t k = 1; ok && k < n; ++k) ok = (static_cast<unsigned char>(bytes[i + k]) & 0xC0) == 0x80;
    if (ok) {
      out->append(bytes, i, n);
      i += n;
    } else {
      out->append("\xEF\xBF\xBD");
      i += 1;
    }
  }
}

}  // namespace

SpmModel parse_spm_model(const std::string& bytes, const std::string& name) {
  SpmModel m;
  WireReader r(bytes.data(), bytes.size(), name, "ModelProto");
  while (!r.done()) {
    uint32_t wire;
    uint32_t f = r.tag(&wire);
    if (f == kModelPieces || f == kModelTrainerSpec || f == kModelNormalizerSpec) {
      r.expect(f, wire, kLengthDelimited);
      auto [p, n] = r.bytes();
      if (f == kModelPieces) m.pieces.push_back(parse_piece(p, n, name, m.pieces.size()));
      else if (f == kModelTrainerSpec) parse_trainer(p, n, name, &m);
      else parse_normalizer(p, n, name, &m);
    } else {
      r.skip(wire);
    }
  }
  if (m.pieces.empty()) throw input_error(name, "bad SentencePiece model: no pieces");
  auto n = static_cast<int64_t>(m.pieces.size());
  for (int64_t id : {m.unk_id, m.bos_id, m.eos_id, m.pad_id})
    if (id >= n) throw input_error(name, "bad SentencePiece model: special id " + std::to_string(id) + " >= " + std::to_string(n) + " pieces");
  return m;
}

SpmModel read_spm_model(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw input_error(path, "cannot open SentencePiece model");
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return parse_spm_model(bytes, path);
}

SpmBpeTokenizer::SpmBpeTokenizer(const std::string& path) : SpmBpeTokenizer(read_spm_model(path), path) {}

SpmBpeTokenizer::SpmBpeTokenizer(SpmModel model, const std::string& name) : model_(std::move(model)) {
  if (model_.model_type != SpmModelType::kBpe)
    throw input_error(name, "SentencePiece model_type " + std::to_string(static_cast<int>(model_.model_type)) +
                                " is not BPE (2); only BPE models (LLaMA) are supported without libsentencepiece");
  if (!model_.precompiled_charsmap.empty())
    throw input_error(name, "SentencePiece normalizer '" + model_.normalizer_name +
                                "' uses a precompiled charsmap; only identity normalization (LLaMA) is supported");
  if (model_.treat_whitespace_as_suffix)
    throw input_error(name, "SentencePiece treat_whitespace_as_suffix is not supported");
  if (model_.unk_id < 0 || model_.pieces[model_.unk_id].type != SpmPieceType::kUnknown)
    throw input_error(name, "SentencePiece model has no UNKNOWN piece at unk_id " + std::to_string(model_.unk_id));
  std::fill(std::begin(byte_ids_), std::end(byte_ids_), int64_t{-1});
  for (size_t i = 0; i < model_.pieces.size(); ++i) {
    const SpmPiece& p = model_.pieces[i];
    auto id = static_cast<int64_t>(i);
    all_.emplace(p.piece, id);
    switch (p.type) {
      case SpmPieceType::kNormal:
      case SpmPieceType::kUnused: mergeable_.emplace(p.piece, id); break;
      case SpmPieceType::kUserDefined:
        mergeable_.emplace(p.piece, id);
        user_defined_.push_back(p.piece);
        break;
      case SpmPieceType::kByte: {
        unsigned int b = 0;
        char tail = 0;
        if (p.piece.size() != 6 || std::sscanf(p.piece.c_str(), "<0x%2X>%c", &b, &tail) != 1)
          throw input_error(name, "SentencePiece BYTE piece " + std::to_string(i) + " is not <0xNN>: " + p.piece);
        byte_ids_[b] = id;
        break;
      }
      default: break;
    }
  }
  if (model_.byte_fallback)
    for (int b = 0; b < 256; ++b)
      if (byte_ids_[b] < 0) throw input_error(name, "SentencePiece byte_fallback model lacks byte piece " + std::to_string(b));
}

int64_t SpmBpeTokenizer::piece_id(const std::string& piece) const {
  auto it = all_.find(piece);
  return it == all_.end() ? model_.unk_id : it->second;
}

// SentencePiece's normalizer with identity rules: drop leading, trailing and repeated spaces
// (remove_extra_whitespaces), prepend one space (add_dummy_prefix), write spaces as U+2581.
std::string SpmBpeTokenizer::normalize(const std::string& text) const {
  size_t i = 0;
  if (model_.remove_extra_whitespaces)
    while (i < text.size() && text[i] == ' ') ++i;
  if (i == text.size()) return {};
  const std::string space = model_.escape_whitespaces ? kSpace : " ";
  std::string out;
  if (model_.add_dummy_prefix) out += space;
  bool prev_space = false;
  for (; i < text.size(); ++i) {
    if (text[i] == ' ') {
      if (model_.remove_extra_whitespaces && prev_space) continue;
      out += space;
      prev_space = true;
    } else {
      out += text[i];
      prev_space = false;
    }
  }
  if (model_.remove_extra_whitespaces)
    while (out.size() >= space.size() && out.compare(out.size() - space.size(), space.size(), space) == 0)
      out.resize(out.size() - space.size());
  return out;
}

// One piece: SentencePiece's BPE in its three phases (symbols, merges, emit) over one symbol list,
// merge agenda and reverse-merge table.
std::vector<int64_t> SpmBpeTokenizer::encode(const std::string& text, bool bos) const {
  std::vector<int64_t> ids;
  if (bos) ids.push_back(model_.bos_id);
  const std::string norm = normalize(text);
  if (norm.empty()) return ids;

  // Symbols: UTF-8 characters, or whole user-defined pieces (frozen), as a doubly linked list.
  struct Symbol {
    size_t begin, len;
    int prev, next;
    bool frozen;
  };
  std::vector<Symbol> sym;
  for (size_t i = 0; i < norm.size();) {
    size_t n = 0;
    for (const std::string& u : user_defined_)
      if (u.size() > n && norm.compare(i, u.size(), u) == 0) n = u.size();
    bool frozen = n > 0;
    if (!frozen) n = std::min(utf8_len(static_cast<unsigned char>(norm[i])), norm.size() - i);
    int idx = static_cast<int>(sym.size());
    sym.push_back({i, n, idx - 1, -1, frozen});
    if (idx > 0) sym[idx - 1].next = idx;
    i += n;
  }

  // Agenda of candidate merges: best score first, leftmost on ties (SentencePiece's order).
  struct Pair {
    float score;
    int left, right;
    size_t len;
  };
  auto worse = [](const Pair& a, const Pair& b) { return a.score < b.score || (a.score == b.score && a.left > b.left); };
  std::priority_queue<Pair, std::vector<Pair>, decltype(worse)> agenda(worse);
  // Merged UNUSED pieces are split back into the pair that formed them.
  std::unordered_map<std::string, std::pair<std::string, std::string>> rev_merge;
  auto text_of = [&](int s) { return norm.substr(sym[s].begin, sym[s].len); };
  auto add_pair = [&](int l, int r) {
    if (l < 0 || r < 0 || sym[l].frozen || sym[r].frozen) return;
    std::string merged = norm.substr(sym[l].begin, sym[l].len + sym[r].len);
    auto it = mergeable_.find(merged);
    if (it == mergeable_.end()) return;
    agenda.push({model_.pieces[it->second].score, l, r, merged.size()});
    if (model_.pieces[it->second].type == SpmPieceType::kUnused) rev_merge[merged] = {text_of(l), text_of(r)};
  };
  for (size_t i = 1; i < sym.size(); ++i) add_pair(static_cast<int>(i) - 1, static_cast<int>(i));
  while (!agenda.empty()) {
    Pair top = agenda.top();
    agenda.pop();
    Symbol& l = sym[top.left];
    Symbol& r = sym[top.right];
    if (l.len == 0 || r.len == 0 || l.len + r.len != top.len) continue;  // stale: a side already merged
    l.len += r.len;
    r.len = 0;
    l.next = r.next;
    if (r.next >= 0) sym[r.next].prev = top.left;
    add_pair(l.prev, top.left);
    add_pair(top.left, l.next);
  }

  // Emit ids; unknown pieces become bytes (byte_fallback) or one unk per run of unknowns.
  std::vector<std::string> pieces;
  std::function<void(const std::string&)> resegment = [&](const std::string& w) {
    int64_t id = piece_id(w);
    auto it = rev_merge.find(w);
    if (id != model_.unk_id && model_.pieces[id].type == SpmPieceType::kUnused && it != rev_merge.end()) {
      resegment(it->second.first);
      resegment(it->second.second);
    } else {
      pieces.push_back(w);
    }
  };
  for (int s = 0; s >= 0 && s < static_cast<int>(sym.size()); s = sym[s].next) resegment(text_of(s));
  bool prev_unk = false;
  for (const std::string& w : pieces) {
    int64_t id = piece_id(w);
    if (id != model_.unk_id) {
      ids.push_back(id);
    } else if (model_.byte_fallback) {
      for (unsigned char b : w) ids.push_back(byte_ids_[b]);
    } else if (!prev_unk) {
      ids.push_back(model_.unk_id);
    }
    prev_unk = id == model_.unk_id;
  }
  return ids;
}

std::string SpmBpeTokenizer::decode(const std::vector<int64_t>& ids) const {
  std::string out, bytes;
  bool at_start = true;  // the dummy-prefix space of the first text piece is dropped
  for (int64_t id : ids) {
    if (id < 0 || id >= vocab_size()) continue;
    const SpmPiece& p = model_.pieces[id];
    if (p.type == SpmPieceType::kByte) {
      bytes += static_cast<char>(std::strtol(p.piece.c_str() + 3, nullptr, 16));
      continue;
    }
    if (!bytes.empty()) {
      append_bytes(bytes, &out);
      bytes.clear();
      at_start = false;
    }
    if (p.type == SpmPieceType::kControl) continue;
    if (p.type == SpmPieceType::kUnknown) {
      out += " \xE2\x81\x87 ";  // SentencePiece's default unk surface " ⁇ "
      at_start = false;
      continue;
    }
    std::string s = p.piece;
    if (at_start && model_.add_dummy_prefix && s.compare(0, 3, kSpace) == 0) s.erase(0, 3);
    for (size_t pos; (pos = s.find(kSpace)) != std::string::npos;) s.replace(pos, 3, " ");
    out += s;
    if (!out.empty()) at_start = false;
  }
  append_bytes(bytes, &out);
  return out;
}

}  // namespace labkit::llama
