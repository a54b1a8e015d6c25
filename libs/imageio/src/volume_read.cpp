// read_volume: a 3D scalar image through ImageIO directly (no templated pipeline), cast to float.
#include <filesystem>
#include <sstream>

#include "itk_io.h"
#include "labkit/core/error.h"

namespace labkit::imageio {
namespace {

std::string describe(const ImageInfo& info) {
  std::ostringstream s;
  s << info.dimension << "D ";
  for (size_t i = 0; i < info.size.size(); ++i) s << (i ? "x" : "") << info.size[i];
  if (info.components > 1) s << " image with " << info.components << " components per voxel";
  else s << " image";
  return s.str();
}

// Our Geometry from a header of dimension <= 3, or of higher dimension whose extra axes have size 1.
Geometry geometry_3d(const ImageInfo& info) {
  bool ok = info.components == 1 && info.dimension >= 2;
  for (int a = 3; ok && a < info.dimension; ++a) ok = info.size[a] == 1;
  if (!ok) throw input_error(info.path, "expected a 3D scalar image, got a " + describe(info));
  Geometry g;
  const int n = info.dimension;
  for (int a = 0; a < 3 && a < n; ++a) {
    g.size[a] = info.size[a];
    g.spacing[a] = info.spacing[a];
    g.origin[a] = info.origin[a];
    for (int r = 0; r < 3 && r < n; ++r) g.direction[3 * r + a] = info.direction[r * n + a];
  }
  return g;
}

}  // namespace

Volume read_volume(const std::string& path, const std::string& series_uid) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return detail::read_dicom(path, series_uid);
  itk::ImageIOBase::Pointer io = detail::open_image_io(path);
  const ImageInfo info = detail::info_from_io(*io, path);
  if (info.format == "NIfTI") detail::check_nifti(path, /*check_data=*/true);  // ITK misses truncation
  Volume v;
  v.geometry = geometry_3d(info);

  const unsigned n = io->GetNumberOfDimensions();
  itk::ImageIORegion region(n);
  for (unsigned a = 0; a < n; ++a) {
    region.SetIndex(a, 0);
    region.SetSize(a, io->GetDimensions(a));
  }
  io->SetIORegion(region);
  const size_t count = static_cast<size_t>(voxel_count(v.geometry));
  std::vector<char> raw(static_cast<size_t>(io->GetImageSizeInBytes()));
  if (raw.size() != count * io->GetComponentSize())
    throw input_error(path, "header size and pixel buffer size disagree");
  detail::CapturedStderr quiet;
  try {
    io->Read(raw.data());
  } catch (const itk::ExceptionObject& e) {
    throw input_error(path, "cannot read voxel data: " + detail::one_line(e));
  }
  v.voxels.resize(count);
  detail::to_float(raw.data(), io->GetComponentType(), count, v.voxels.data());
  return v;
}

}  // namespace labkit::imageio
