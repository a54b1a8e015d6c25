// write_volume: ImageIO chosen by extension, written under a temporary name that keeps the extension
// (ITK picks the format from it), then renamed into place.
#include <itkImageIOFactory.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include "itk_io.h"
#include "labkit/core/atomic_file.h"
#include "labkit/core/error.h"

namespace labkit::image {
namespace {

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

std::string known_extension(const std::string& path) {
  std::string lower = path;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  for (const char* ext : {".nii.gz", ".nii", ".mha", ".mhd", ".nrrd"})
    if (ends_with(lower, ext)) return ext;
  return "";
}

template <typename T>
std::vector<T> cast_rounded(const std::vector<float>& v) {
  std::vector<T> out(v.size());
  const double lo = std::numeric_limits<T>::lowest(), hi = std::numeric_limits<T>::max();
  for (size_t i = 0; i < v.size(); ++i) {
    const double x = std::isnan(v[i]) ? 0.0 : std::nearbyint(static_cast<double>(v[i]));
    out[i] = static_cast<T>(std::clamp(x, lo, hi));
  }
  return out;
}

void write_with_itk(const Volume& v, const std::string& file, PixelType as, bool compress) {
  itk::ImageIOBase::Pointer io =
      itk::ImageIOFactory::CreateImageIO(file.c_str(), itk::ImageIOFactory::IOFileModeEnum::WriteMode);
  if (!io) throw std::runtime_error("no ITK writer for " + file);
  const Geometry& g = v.geometry;
  io->SetNumberOfDimensions(3);
  itk::ImageIORegion region(3);
  for (unsigned a = 0; a < 3; ++a) {
    io->SetDimensions(a, static_cast<unsigned>(g.size[a]));
    io->SetSpacing(a, g.spacing[a]);
    io->SetOrigin(a, g.origin[a]);
    io->SetDirection(a, std::vector<double>{g.direction[a], g.direction[3 + a], g.direction[6 + a]});
    region.SetIndex(a, 0);
    region.SetSize(a, static_cast<itk::SizeValueType>(g.size[a]));
  }
  io->SetPixelType(itk::IOPixelEnum::SCALAR);
  io->SetNumberOfComponents(1);
  io->SetIORegion(region);
  io->SetUseCompression(compress);
  io->SetFileName(file);
  switch (as) {
    case PixelType::kUInt8: {
      io->SetComponentType(itk::IOComponentEnum::UCHAR);
      const auto buf = cast_rounded<uint8_t>(v.voxels);
      io->Write(buf.data());
      break;
    }
    case PixelType::kInt16: {
      io->SetComponentType(itk::IOComponentEnum::SHORT);
      const auto buf = cast_rounded<int16_t>(v.voxels);
      io->Write(buf.data());
      break;
    }
    case PixelType::kFloat32:
      io->SetComponentType(itk::IOComponentEnum::FLOAT);
      io->Write(v.voxels.data());
      break;
  }
}

// A .mhd header names its data file: put the data file in place under its final name, then hand the
// header (pointing at it) to the atomic rename.
void finish_mhd(const std::filesystem::path& tmp_header, const std::string& final_path,
                const std::string& atomic_tmp) {
  namespace fs = std::filesystem;
  const std::string header = read_file(tmp_header.string());
  const std::string key = "ElementDataFile = ";
  const size_t at = header.rfind(key);
  if (at == std::string::npos) throw std::runtime_error("MetaImage header without ElementDataFile");
  size_t eol = header.find('\n', at);
  if (eol == std::string::npos) eol = header.size();
  const std::string data_name = header.substr(at + key.size(), eol - at - key.size());
  const fs::path final_data = fs::path(final_path).replace_extension(fs::path(data_name).extension());
  fs::rename(tmp_header.parent_path() / data_name, final_data);
  std::ofstream out(atomic_tmp, std::ios::binary | std::ios::trunc);
  out << header.substr(0, at + key.size()) << final_data.filename().string() << header.substr(eol);
  if (!out) throw std::runtime_error("cannot write " + atomic_tmp);
  fs::remove(tmp_header);
}

}  // namespace

void write_volume(const Volume& v, const std::string& path, PixelType as) {
  namespace fs = std::filesystem;
  const std::string ext = known_extension(path);
  if (ext.empty()) throw input_error(path, "unknown image format: use .nii, .nii.gz, .mha, .mhd or .nrrd");
  if (v.voxels.size() != static_cast<size_t>(voxel_count(v.geometry)))
    throw std::invalid_argument(path + ": volume has " + std::to_string(v.voxels.size()) +
                                " voxels but its geometry says " + std::to_string(voxel_count(v.geometry)));
  const fs::path target(path);
  // Same directory (rename stays on one filesystem), name still ending in the extension. The target's
  // stem goes in with its dots replaced: ITK's NIfTI writer takes a name like ".tmp.1.img.nii.gz" for an
  // Analyze .hdr/.img pair (a bug found writing "img.nii.gz").
  std::string stem = target.filename().string();
  stem = stem.substr(0, stem.size() - ext.size());
  std::replace(stem.begin(), stem.end(), '.', '_');
  const fs::path itk_tmp = target.parent_path() / ("_tmp_" + std::to_string(::getpid()) + "_" + stem + ext);
  write_atomically(path, [&](const std::string& atomic_tmp) {
    try {
      write_with_itk(v, itk_tmp.string(), as, ext == ".mha" || ext == ".nrrd");
      if (ext == ".mhd") {
        finish_mhd(itk_tmp, path, atomic_tmp);
      } else {
        fs::rename(itk_tmp, atomic_tmp);
      }
    } catch (const itk::ExceptionObject& e) {
      std::error_code ec;
      fs::remove(itk_tmp, ec);
      throw std::runtime_error(path + ": cannot write image: " + detail::one_line(e));
    } catch (...) {
      std::error_code ec;
      fs::remove(itk_tmp, ec);
      throw;
    }
  });
}

}  // namespace labkit::image
