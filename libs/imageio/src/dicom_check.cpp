// A structural walk over a DICOM Part 10 file before GDCM sees it. GDCM 3.0 asserts (aborts the process)
// on some truncated files, e.g. `head -c 20000` of a real one (gdcmVR16ExplicitDataElement.txx:46), so we
// check that every data element's declared length fits in the file. Only headers are read: each value is
// skipped by seeking, so a 20 MB file costs a few hundred small reads.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>

#include "file_checks.h"
#include "labkit/core/error.h"

namespace labkit::imageio::detail {
namespace {

constexpr std::uint32_t kUndefined = 0xFFFFFFFFu;
constexpr int kMaxDepth = 64;  // nested sequences deeper than this are not walked (no stack risk)

struct Truncated {
  std::string what;
};

class Walker {
 public:
  Walker(std::ifstream& in, std::uint64_t size) : in_(in), size_(size) {}

  // Reads n bytes at pos; throws Truncated if the file ends first.
  void read(std::uint64_t pos, unsigned char* buf, std::uint64_t n, const char* what) {
    if (pos + n > size_) throw Truncated{fmt_at(pos, std::string("file ends inside ") + what)};
    in_.clear();
    in_.seekg(static_cast<std::streamoff>(pos));
    if (!in_.read(reinterpret_cast<char*>(buf), static_cast<std::streamsize>(n)))
      throw Truncated{fmt_at(pos, std::string("cannot read ") + what)};
  }

  std::uint16_t u16(const unsigned char* p) const {
    return little_ ? static_cast<std::uint16_t>(p[0] | p[1] << 8) : static_cast<std::uint16_t>(p[1] | p[0] << 8);
  }
  std::uint32_t u32(const unsigned char* p) const {
    return little_ ? (std::uint32_t(p[0]) | std::uint32_t(p[1]) << 8 | std::uint32_t(p[2]) << 16 | std::uint32_t(p[3]) << 24)
                   : (std::uint32_t(p[3]) | std::uint32_t(p[2]) << 8 | std::uint32_t(p[1]) << 16 | std::uint32_t(p[0]) << 24);
  }

  // Walks data elements from pos until `end` (a defined length), or until an item / sequence delimiter
  // when `end` is unknown. Returns the position after what was walked.
  std::uint64_t dataset(std::uint64_t pos, std::uint64_t end, bool explicit_vr, int depth, bool meta_only = false) {
    while (pos < end) {
      unsigned char h[12];
      read(pos, h, 8, "a data element header");
      const std::uint16_t group = u16(h), element = u16(h + 2);
      if (meta_only && group != 0x0002) return pos;
      if (group == 0xFFFE) {  // item (E000), item delimiter (E00D), sequence delimiter (E0DD)
        if (element == 0xE00D || element == 0xE0DD) return pos + 8;
        throw Truncated{fmt_at(pos, "unexpected item tag in a data set")};
      }
      std::uint64_t header = 8, length = 0;
      std::string vr;
      if (explicit_vr) {
        vr.assign(reinterpret_cast<const char*>(h + 4), 2);
        static const char* kLong[] = {"OB", "OD", "OF", "OL", "OV", "OW", "SQ", "SV", "UC", "UN", "UR", "UT", "UV"};
        if (std::any_of(std::begin(kLong), std::end(kLong), [&](const char* v) { return vr == v; })) {
          read(pos + 8, h + 8, 4, "a data element length");
          header = 12;
          length = u32(h + 8);
        } else {
          length = u16(h + 6);
        }
      } else {
        length = u32(h + 4);
      }
      pos += header;
      if (length == kUndefined) {
        if (depth >= kMaxDepth) return size_;  // too deep to walk: let the reader judge the rest
        // A sequence, UN holding an implicit-VR sequence, or encapsulated pixel data: items to a delimiter.
        const bool items_implicit = !explicit_vr || vr == "UN";
        pos = sequence(pos, items_implicit ? false : explicit_vr, depth + 1, vr == "OB" || vr == "OW");
        continue;
      }
      if (length > size_ - std::min(pos, size_))
        throw Truncated{fmt_at(pos - header, "element (" + hex(group) + "," + hex(element) + ") declares " +
                                                 std::to_string(length) + " bytes, " +
                                                 std::to_string(size_ - std::min(pos, size_)) + " remain")};
      pos += length;
    }
    return pos;
  }

  // Items up to the sequence delimiter. Undefined-length items are walked as data sets; fragments of
  // encapsulated pixel data (`fragments`) only need their lengths to fit.
  std::uint64_t sequence(std::uint64_t pos, bool explicit_vr, int depth, bool fragments) {
    for (;;) {
      unsigned char h[8];
      read(pos, h, 8, "a sequence item header");
      const std::uint16_t group = u16(h), element = u16(h + 2);
      const std::uint32_t length = u32(h + 4);
      pos += 8;
      if (group != 0xFFFE) throw Truncated{fmt_at(pos - 8, "expected a sequence item")};
      if (element == 0xE0DD) return pos;
      if (element != 0xE000) throw Truncated{fmt_at(pos - 8, "expected a sequence item")};
      if (length == kUndefined) {
        if (fragments) throw Truncated{fmt_at(pos - 8, "pixel data fragment of undefined length")};
        pos = dataset(pos, UINT64_MAX, explicit_vr, depth + 1);
        continue;
      }
      if (length > size_ - std::min(pos, size_))
        throw Truncated{fmt_at(pos - 8, "item declares " + std::to_string(length) + " bytes, " +
                                            std::to_string(size_ - std::min(pos, size_)) + " remain")};
      pos += length;
    }
  }

  void set_little(bool little) { little_ = little; }

 private:
  static std::string hex(std::uint16_t v) {
    char b[8];
    std::snprintf(b, sizeof b, "%04X", v);
    return b;
  }
  static std::string fmt_at(std::uint64_t pos, const std::string& what) {
    return what + " (at byte " + std::to_string(pos) + ")";
  }

  std::ifstream& in_;
  std::uint64_t size_;
  bool little_ = true;
};

// The transfer syntax UID from the file meta group (explicit VR little endian by definition).
std::string transfer_syntax(std::ifstream& in, std::uint64_t size, std::uint64_t pos) {
  while (pos + 8 <= size) {
    unsigned char h[12];
    in.clear();
    in.seekg(static_cast<std::streamoff>(pos));
    if (!in.read(reinterpret_cast<char*>(h), 8)) return "";
    const std::uint16_t group = static_cast<std::uint16_t>(h[0] | h[1] << 8);
    const std::uint16_t element = static_cast<std::uint16_t>(h[2] | h[3] << 8);
    if (group != 0x0002) return "";
    const std::string vr(reinterpret_cast<const char*>(h + 4), 2);
    std::uint64_t length = static_cast<std::uint64_t>(h[6] | h[7] << 8), header = 8;
    if (vr == "OB" || vr == "UN" || vr == "SQ" || vr == "UT") {
      if (!in.read(reinterpret_cast<char*>(h + 8), 4)) return "";
      length = std::uint32_t(h[8]) | std::uint32_t(h[9]) << 8 | std::uint32_t(h[10]) << 16 | std::uint32_t(h[11]) << 24;
      header = 12;
    }
    if (element == 0x0010 && length < 128 && pos + header + length <= size) {
      std::string uid(length, '\0');
      in.seekg(static_cast<std::streamoff>(pos + header));
      in.read(uid.data(), static_cast<std::streamsize>(length));
      while (!uid.empty() && (uid.back() == '\0' || uid.back() == ' ')) uid.pop_back();
      return uid;
    }
    pos += header + length;
  }
  return "";
}

}  // namespace

bool looks_like_dicom(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char magic[4] = {};
  in.seekg(128);
  return in.read(magic, 4) && std::memcmp(magic, "DICM", 4) == 0;
}

void check_dicom(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) throw input_error(path, "cannot open");
  const auto size = static_cast<std::uint64_t>(in.tellg());
  char magic[4] = {};
  in.seekg(128);
  if (size < 132 || !in.read(magic, 4) || std::memcmp(magic, "DICM", 4) != 0) return;  // not Part 10: not ours to judge
  const std::string syntax = transfer_syntax(in, size, 132);
  Walker walker(in, size);
  try {
    const std::uint64_t after_meta = walker.dataset(132, size, /*explicit_vr=*/true, 0, /*meta_only=*/true);
    if (syntax == "1.2.840.10008.1.2.1.99") return;  // deflated: the rest is a zlib stream
    const bool implicit = syntax == "1.2.840.10008.1.2";
    walker.set_little(syntax != "1.2.840.10008.1.2.2");
    walker.dataset(after_meta, size, !implicit, 0);
  } catch (const Truncated& t) {
    throw input_error(path, "truncated or corrupt DICOM file: " + t.what);
  }
}

}  // namespace labkit::imageio::detail
