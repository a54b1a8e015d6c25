// NIfTI integrity checks that ITK 5.2's NIfTI reader skips: it accepts a wrong sizeof_hdr and returns
// a short voxel read from truncated .nii / .nii.gz files without any error. zlib's gzread reads plain
// and gzipped files alike, so one code path serves both.
#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "file_checks.h"
#include "labkit/imageio/image.h"
#include "labkit/core/error.h"

namespace labkit::imageio::detail {
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

template <typename T>
int64_t count_nonfinite(const unsigned char* p, int64_t n, bool swap) {
  int64_t bad = 0;
  for (int64_t i = 0; i < n; ++i) bad += !std::isfinite(field<T>(p + i * sizeof(T), swap));
  return bad;
}

std::string shown(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%g", v);
  return b;
}

// Values ITK would pass on unchecked: a NaN or huge voxel size aborts inside VNL (direction matrix) or
// turns into absurd crop sizes downstream; a dimension count outside 1..7 or a size < 1 is no image.
void check_header_values(const unsigned char* hdr, bool nifti2, bool swap, const std::string& path) {
  auto dim = [&](int i) -> int64_t {
    return nifti2 ? field<int64_t>(hdr + 16 + 8 * i, swap) : field<int16_t>(hdr + 40 + 2 * i, swap);
  };
  auto real = [&](int nifti1_offset, int nifti2_offset) -> double {
    return nifti2 ? field<double>(hdr + nifti2_offset, swap) : field<float>(hdr + nifti1_offset, swap);
  };
  const int64_t ndim = dim(0);
  if (ndim < 1 || ndim > 7) throw input_error(path, "corrupt NIfTI header: dim[0] is " + std::to_string(ndim) + " (expected 1..7)");
  for (int i = 1; i <= ndim; ++i)
    if (dim(i) < 1)
      throw input_error(path, "corrupt NIfTI header: dim[" + std::to_string(i) + "] is " + std::to_string(dim(i)));
  for (int i = 1; i <= std::min<int64_t>(ndim, 3); ++i) {
    const double p = real(76 + 4 * i, 104 + 8 * i);
    if (!std::isfinite(p) || std::fabs(p) > 1e6)
      throw input_error(path, "corrupt NIfTI header: pixdim[" + std::to_string(i) + "] (voxel size) is " + shown(p));
  }
  const bool nifti = nifti2 || std::memcmp(hdr + 344, "n+1", 4) == 0 || std::memcmp(hdr + 344, "ni1", 4) == 0;
  if (!nifti) return;  // ANALYZE 7.5: no qform/sform fields at these offsets
  const int qform = nifti2 ? field<int32_t>(hdr + 344, swap) : field<int16_t>(hdr + 252, swap);
  const int sform = nifti2 ? field<int32_t>(hdr + 348, swap) : field<int16_t>(hdr + 254, swap);
  static const char* kQuatern[] = {"quatern_b", "quatern_c", "quatern_d", "qoffset_x", "qoffset_y", "qoffset_z"};
  if (qform > 0)
    for (int i = 0; i < 6; ++i)
      if (!std::isfinite(real(256 + 4 * i, 352 + 8 * i)))
        throw input_error(path, std::string("corrupt NIfTI header: ") + kQuatern[i] + " is " + shown(real(256 + 4 * i, 352 + 8 * i)));
  if (sform > 0)
    for (int i = 0; i < 12; ++i)
      if (!std::isfinite(real(280 + 4 * i, 400 + 8 * i)))
        throw input_error(path, std::string("corrupt NIfTI header: srow_") + "xyz"[i / 4] + "[" + std::to_string(i % 4) +
                                    "] is " + shown(real(280 + 4 * i, 400 + 8 * i)));
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

  const bool nifti2 = sizeof_hdr == 540;
  check_header_values(hdr, nifti2, swap, path);

  // Single-file NIfTI only ("n+1" / "n+2"): a .hdr/.img pair or ANALYZE keeps voxels elsewhere.
  const bool single = nifti2 ? std::memcmp(hdr + 4, "n+2", 4) == 0 : std::memcmp(hdr + 344, "n+1", 4) == 0;
  if (!check_data || !single || !(ends_with(path, ".nii") || ends_with(path, ".nii.gz"))) return;
  // Sizes are checked before they are combined: a vox_offset float outside int64 (or NaN) and dims whose
  // product passes int64 were undefined behaviour here (found by fuzz/nifti_header_fuzz).
  const int64_t kMaxBytes = int64_t{1} << 60;  // far beyond any real file; keeps every sum below in range
  int64_t voxels = 1, offset = 0, bitpix = 0;
  auto times = [&](int64_t d) {
    d = std::max<int64_t>(1, d);
    if (voxels > kMaxBytes / d) throw input_error(path, "corrupt NIfTI header: dimensions claim more than 2^60 voxels");
    voxels *= d;
  };
  if (nifti2) {
    bitpix = field<int16_t>(hdr + 14, swap);
    const int64_t ndim = field<int64_t>(hdr + 16, swap);
    for (int64_t d = 1; d <= ndim && d < 8; ++d) times(field<int64_t>(hdr + 16 + 8 * d, swap));
    offset = field<int64_t>(hdr + 168, swap);
  } else {
    bitpix = field<int16_t>(hdr + 72, swap);
    const int16_t ndim = field<int16_t>(hdr + 40, swap);
    for (int d = 1; d <= ndim && d < 8; ++d) times(field<int16_t>(hdr + 40 + 2 * d, swap));
    const float off = field<float>(hdr + 108, swap);
    if (!(off >= 0.0f && off <= static_cast<float>(kMaxBytes)))
      throw input_error(path, "corrupt NIfTI header: vox_offset is " + shown(off));
    offset = static_cast<int64_t>(off);
  }
  if (offset < 0 || offset > kMaxBytes) throw input_error(path, "corrupt NIfTI header: vox_offset is " + std::to_string(offset));
  bitpix = std::max<int64_t>(bitpix, 0);
  if (voxels > kMaxBytes / std::max<int64_t>(bitpix, 1))
    throw input_error(path, "corrupt NIfTI header: dimensions and bitpix claim more than 2^60 bytes of voxels");
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

}  // namespace labkit::imageio::detail

namespace labkit::imageio {

NonFinite nifti_nonfinite_voxels(const std::string& path) {
  if (!detail::ends_with(path, ".nii") && !detail::ends_with(path, ".nii.gz")) return {};
  detail::Gz f(gzopen(path.c_str(), "rb"));
  if (!f) return {};
  unsigned char hdr[540] = {};
  if (gzread(f.get(), hdr, 348) != 348) return {};
  const int32_t raw = detail::field<int32_t>(hdr, false);
  const bool swap = raw != 348 && raw != 540;
  const int32_t size = swap ? detail::field<int32_t>(hdr, true) : raw;
  const bool v2 = size == 540;
  if (size != 348 && size != 540) return {};
  if (v2 && gzread(f.get(), hdr + 348, 192) != 192) return {};
  // NIfTI-1: dim int16[8] at 40, datatype int16 at 70, vox_offset float at 108.
  // NIfTI-2: datatype int16 at 12, dim int64[8] at 16, vox_offset int64 at 168.
  const int datatype = detail::field<int16_t>(hdr + (v2 ? 12 : 70), swap);
  if (datatype != 16 && datatype != 64) return {};  // FLOAT32, FLOAT64
  const int64_t ndim = v2 ? detail::field<int64_t>(hdr + 16, swap) : detail::field<int16_t>(hdr + 40, swap);
  if (ndim < 1 || ndim > 7) return {};
  int64_t voxels = 1;
  for (int64_t a = 1; a <= ndim; ++a) {
    const int64_t d = v2 ? detail::field<int64_t>(hdr + 16 + 8 * a, swap) : detail::field<int16_t>(hdr + 40 + 2 * a, swap);
    if (d < 1 || voxels > (int64_t{1} << 40) / d) return {};
    voxels *= d;
  }
  const float offset1 = detail::field<float>(hdr + 108, swap);
  if (!v2 && !(offset1 >= 0.0f && offset1 < 9.2e18f)) return {};  // NaN or past int64: not convertible
  const int64_t offset = v2 ? detail::field<int64_t>(hdr + 168, swap) : static_cast<int64_t>(offset1);
  if (offset < size || gzseek(f.get(), static_cast<z_off_t>(offset), SEEK_SET) < 0) return {};
  const int64_t width = datatype == 16 ? 4 : 8;
  std::vector<unsigned char> buf(static_cast<size_t>(width) << 20);
  NonFinite r{0, voxels};
  for (int64_t done = 0; done < voxels;) {
    const int64_t n = std::min<int64_t>(voxels - done, int64_t{1} << 20);
    if (gzread(f.get(), buf.data(), static_cast<unsigned>(n * width)) != n * width) return {};
    r.count += width == 4 ? detail::count_nonfinite<float>(buf.data(), n, swap) : detail::count_nonfinite<double>(buf.data(), n, swap);
    done += n;
  }
  return r;
}

}  // namespace labkit::imageio
