// NIfTI integrity checks that ITK 5.2's NIfTI reader skips: it accepts a wrong sizeof_hdr and returns
// a short voxel read from truncated .nii / .nii.gz files without any error. zlib's gzread reads plain
// and gzipped files alike, so one code path serves both.
#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "itk_io.h"
#include "labkit/core/error.h"

namespace labkit::image::detail {
namespace {

struct GzCloser {
  void operator()(gzFile_s* f) const { gzclose(f); }
};
using Gz = std::unique_ptr<gzFile_s, GzCloser>;

template <typename T>
T field(const unsigned char* p, bool swap) {
  unsigned char b[sizeof(T)];
  std::memcpy(b, p, sizeof(T));
  if (swap) std::reverse(b, b + sizeof(T));
  T v;
  std::memcpy(&v, b, sizeof(T));
  return v;
}

int64_t read_some(gzFile f, unsigned char* buf, int64_t n, const std::string& path) {
  const int got = gzread(f, buf, static_cast<unsigned>(n));
  if (got < 0) {
    int err = 0;
    throw input_error(path, std::string("corrupt compressed stream: ") + gzerror(f, &err));
  }
  return got;
}

bool ends_with(const std::string& s, const char* tail) {
  const size_t n = std::strlen(tail);
  return s.size() >= n && s.compare(s.size() - n, n, tail) == 0;
}

}  // namespace

void check_nifti(const std::string& path, bool check_data) {
  Gz f(gzopen(path.c_str(), "rb"));
  if (!f) throw input_error(path, "cannot open");
  unsigned char hdr[540] = {};
  int64_t got = read_some(f.get(), hdr, 4, path);
  if (got < 4) throw input_error(path, "truncated NIfTI header");
  const int32_t raw = field<int32_t>(hdr, false), swapped = field<int32_t>(hdr, true);
  const bool swap = raw != 348 && raw != 540;
  const int32_t sizeof_hdr = swap ? swapped : raw;
  if (sizeof_hdr != 348 && sizeof_hdr != 540)
    throw input_error(path, "corrupt NIfTI header: sizeof_hdr is " + std::to_string(raw) + " (expected 348 or 540)");
  got += read_some(f.get(), hdr + 4, sizeof_hdr - 4, path);
  if (got < sizeof_hdr)
    throw input_error(path, "truncated NIfTI header (" + std::to_string(got) + " of " +
                                std::to_string(sizeof_hdr) + " bytes)");

  // Single-file NIfTI only ("n+1" / "n+2"): a .hdr/.img pair or ANALYZE keeps voxels elsewhere.
  const bool nifti2 = sizeof_hdr == 540;
  const bool single = nifti2 ? std::memcmp(hdr + 4, "n+2", 4) == 0 : std::memcmp(hdr + 344, "n+1", 4) == 0;
  if (!check_data || !single || !(ends_with(path, ".nii") || ends_with(path, ".nii.gz"))) return;
  int64_t voxels = 1, offset = 0, bitpix = 0;
  if (nifti2) {
    bitpix = field<int16_t>(hdr + 14, swap);
    const int64_t ndim = field<int64_t>(hdr + 16, swap);
    for (int64_t d = 1; d <= ndim && d < 8; ++d) voxels *= std::max<int64_t>(1, field<int64_t>(hdr + 16 + 8 * d, swap));
    offset = field<int64_t>(hdr + 168, swap);
  } else {
    bitpix = field<int16_t>(hdr + 72, swap);
    const int16_t ndim = field<int16_t>(hdr + 40, swap);
    for (int d = 1; d <= ndim && d < 8; ++d) voxels *= std::max<int16_t>(1, field<int16_t>(hdr + 40 + 2 * d, swap));
    offset = static_cast<int64_t>(field<float>(hdr + 108, swap));
  }
  const int64_t expected = std::max<int64_t>(offset, sizeof_hdr) + voxels * bitpix / 8;
  std::vector<unsigned char> chunk(1 << 20);
  while (got < expected) {
    const int64_t n = read_some(f.get(), chunk.data(), std::min<int64_t>(chunk.size(), expected - got), path);
    if (n == 0) break;
    got += n;
  }
  if (got < expected)
    throw input_error(path, "truncated NIfTI file: " + std::to_string(got) + " of " + std::to_string(expected) +
                                " bytes (header + voxel data)");
}

}  // namespace labkit::image::detail
