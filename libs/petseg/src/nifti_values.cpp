#include "labkit/petseg/nifti_values.h"

#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <vector>

namespace labkit::petseg {
namespace {

struct GzCloser {
  void operator()(gzFile_s* f) const { gzclose(f); }
};

template <typename T>
T field(const unsigned char* p, bool swap) {
  unsigned char b[sizeof(T)];
  std::memcpy(b, p, sizeof(T));
  if (swap) std::reverse(b, b + sizeof(T));
  T v;
  std::memcpy(&v, b, sizeof(T));
  return v;
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

}  // namespace

NonFinite nifti_nonfinite_voxels(const std::string& path) {
  if (!ends_with(path, ".nii") && !ends_with(path, ".nii.gz")) return {};
  std::unique_ptr<gzFile_s, GzCloser> f(gzopen(path.c_str(), "rb"));
  if (!f) return {};
  unsigned char hdr[540] = {};
  if (gzread(f.get(), hdr, 348) != 348) return {};
  const int32_t raw = field<int32_t>(hdr, false);
  const bool swap = raw != 348 && raw != 540;
  const int32_t size = swap ? field<int32_t>(hdr, true) : raw;
  const bool v2 = size == 540;
  if (size != 348 && size != 540) return {};
  if (v2 && gzread(f.get(), hdr + 348, 192) != 192) return {};
  // NIfTI-1: dim int16[8] at 40, datatype int16 at 70, vox_offset float at 108.
  // NIfTI-2: datatype int16 at 12, dim int64[8] at 16, vox_offset int64 at 168.
  const int datatype = field<int16_t>(hdr + (v2 ? 12 : 70), swap);
  if (datatype != 16 && datatype != 64) return {};  // FLOAT32, FLOAT64
  const int64_t ndim = v2 ? field<int64_t>(hdr + 16, swap) : field<int16_t>(hdr + 40, swap);
  if (ndim < 1 || ndim > 7) return {};
  int64_t voxels = 1;
  for (int64_t a = 1; a <= ndim; ++a) {
    const int64_t d = v2 ? field<int64_t>(hdr + 16 + 8 * a, swap) : field<int16_t>(hdr + 40 + 2 * a, swap);
    if (d < 1 || voxels > (int64_t{1} << 40) / d) return {};
    voxels *= d;
  }
  const int64_t offset = v2 ? field<int64_t>(hdr + 168, swap) : static_cast<int64_t>(field<float>(hdr + 108, swap));
  if (offset < size || gzseek(f.get(), static_cast<z_off_t>(offset), SEEK_SET) < 0) return {};
  const int64_t width = datatype == 16 ? 4 : 8;
  std::vector<unsigned char> buf(static_cast<size_t>(width) << 20);
  NonFinite r{0, voxels};
  for (int64_t done = 0; done < voxels;) {
    const int64_t n = std::min<int64_t>(voxels - done, int64_t{1} << 20);
    if (gzread(f.get(), buf.data(), static_cast<unsigned>(n * width)) != n * width) return {};
    r.count += width == 4 ? count_nonfinite<float>(buf.data(), n, swap) : count_nonfinite<double>(buf.data(), n, swap);
    done += n;
  }
  return r;
}

}  // namespace labkit::petseg
