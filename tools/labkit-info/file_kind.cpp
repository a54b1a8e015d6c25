#include "file_kind.h"

#include <cstring>
#include <filesystem>
#include <fstream>

#include "labkit/core/error.h"

namespace labkit::info {
namespace {

bool has_suffix(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// HDF5's signature sits at offset 0, 512, 1024, ... (a user block may precede it).
bool looks_like_hdf5(std::ifstream& in) {
  static const char kSignature[8] = {'\x89', 'H', 'D', 'F', '\r', '\n', '\x1a', '\n'};
  for (std::streamoff offset = 0; offset <= 8192; offset = offset ? offset * 2 : 512) {
    char buf[8] = {};
    in.clear();
    in.seekg(offset);
    if (!in.read(buf, 8)) return false;
    if (std::memcmp(buf, kSignature, 8) == 0) return true;
  }
  return false;
}

// safetensors: 8-byte little-endian header length, then a JSON object.
bool looks_like_safetensors(std::ifstream& in, std::uintmax_t size) {
  unsigned char len[8] = {};
  in.clear();
  in.seekg(0);
  if (!in.read(reinterpret_cast<char*>(len), 8)) return false;
  std::uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | len[i];
  char first = 0;
  return n >= 2 && n <= size - 8 && in.get(first) && first == '{';
}

const char* const kImageSuffixes[] = {".nii", ".nii.gz", ".mha", ".mhd", ".nrrd", ".nhdr", ".dcm", ".hdr", ".img"};

}  // namespace

FileKind detect_file_kind(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::exists(path, ec)) throw input_error(path, "no such file or directory");
  if (fs::is_directory(path, ec)) {
    const fs::path dir(path);
    if (fs::exists(dir / "report.json", ec) || fs::exists(dir / "config.json", ec)) return FileKind::kLabkitRun;
    return FileKind::kDicomSeries;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw input_error(path, "cannot open for reading");
  const auto size = fs::file_size(path, ec);
  if (looks_like_hdf5(in)) return FileKind::kHdf5;
  if (has_suffix(path, ".h5") || has_suffix(path, ".hdf5"))
    throw input_error(path, "not a readable HDF5 file (no HDF5 signature; truncated or corrupt?)");
  if (looks_like_safetensors(in, size) || has_suffix(path, ".safetensors")) return FileKind::kSafetensors;
  for (const char* suffix : kImageSuffixes)
    if (has_suffix(path, suffix)) return FileKind::kImage;
  return FileKind::kUnknown;
}

}  // namespace labkit::info
