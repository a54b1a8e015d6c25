// write_volume: ImageIO chosen by extension, written under a temporary name that keeps the extension
// (ITK picks the format from it), then renamed into place.
#include <fcntl.h>
#include <itkImageIOFactory.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

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

namespace labkit::imageio {
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

size_t bytes_per_voxel(PixelType as) { return as == PixelType::kUInt8 ? 1 : as == PixelType::kInt16 ? 2 : 4; }

// Flushes a written file to the disk; a failure (ENOSPC, EIO on delayed allocation) is an error.
void sync_file(const std::string& file) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw std::runtime_error(file + ": cannot reopen the written file: " + std::strerror(errno));
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) throw std::runtime_error(file + ": cannot flush the written file: " + std::strerror(err));
}

// A MetaImage header (.mha with the data after it, or .mhd naming a data file) against the bytes of
// data it should be followed by: CompressedDataSize when compressed, else the raw voxel bytes.
void verify_metaimage(const std::string& header_file, std::uint64_t raw_bytes) {
  namespace fs = std::filesystem;
  std::ifstream in(header_file, std::ios::binary);
  std::string line, data_file;
  std::uint64_t header_bytes = 0, compressed_size = 0;
  bool compressed = false;
  while (data_file.empty() && std::getline(in, line)) {
    header_bytes += line.size() + 1;
    auto value = [&](const std::string& key) -> std::string {
      return line.rfind(key + " = ", 0) == 0 ? line.substr(key.size() + 3) : std::string();
    };
    if (value("CompressedData") == "True") compressed = true;
    if (!value("CompressedDataSize").empty()) compressed_size = std::stoull(value("CompressedDataSize"));
    if (!value("ElementDataFile").empty()) data_file = value("ElementDataFile");
  }
  if (data_file.empty()) throw std::runtime_error("MetaImage header without ElementDataFile");
  if (compressed && compressed_size == 0) return;  // size unknown to the header: nothing to compare
  const std::uint64_t expected = compressed ? compressed_size : raw_bytes;
  const fs::path data_path = data_file == "LOCAL" ? fs::path(header_file) : fs::path(header_file).parent_path() / data_file;
  std::error_code ec;
  const std::uint64_t size = fs::file_size(data_path, ec);
  if (ec) throw std::runtime_error(data_path.string() + ": " + ec.message());
  const std::uint64_t actual = data_file == "LOCAL" ? size - std::min(size, header_bytes) : size;
  if (actual != expected)
    throw std::runtime_error("holds " + std::to_string(actual) + " data bytes, expected " + std::to_string(expected));
}

// ITK does not report every failed write (its NIfTI writer prints "** ERROR: NWAD: wrote only 0 of N bytes"
// and returns), so the written file is checked before it may take its final name: NIfTI by reading every
// voxel byte back (through zlib for .nii.gz), MetaImage by the size of its data (ITK's reader accepts a
// short one), NRRD by reading the image back through ITK.
void verify_written(const std::string& file, const std::string& ext, const Volume& v, PixelType as) {
  sync_file(file);
  const std::uint64_t expected = static_cast<std::uint64_t>(v.voxels.size()) * bytes_per_voxel(as);
  try {
    if (ext == ".nii" || ext == ".nii.gz") {
      detail::check_nifti(file, /*check_data=*/true);
      return;
    }
    if (ext == ".mha" || ext == ".mhd") {  // ITK's MetaImage reader accepts short data: count the bytes
      verify_metaimage(file, expected);
      return;
    }
    itk::ImageIOBase::Pointer io = detail::open_image_io(file);
    std::vector<char> buffer(static_cast<size_t>(io->GetImageSizeInBytes()));
    if (buffer.size() != expected) throw std::runtime_error("holds " + std::to_string(buffer.size()) + " voxel bytes, expected " + std::to_string(expected));
    itk::ImageIORegion region(io->GetNumberOfDimensions());
    for (unsigned a = 0; a < io->GetNumberOfDimensions(); ++a) {
      region.SetIndex(a, 0);
      region.SetSize(a, io->GetDimensions(a));
    }
    io->SetIORegion(region);
    io->Read(buffer.data());
  } catch (const itk::ExceptionObject& e) {
    throw std::runtime_error("incomplete after writing: " + detail::one_line(e));
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string("incomplete after writing: ") + e.what());
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

// The ITK temporary, and for .mhd its data file (.raw / .zraw beside it).
void remove_temporaries(const std::filesystem::path& itk_tmp) {
  std::error_code ec;
  std::filesystem::remove(itk_tmp, ec);
  for (const char* data : {".raw", ".zraw"}) std::filesystem::remove(std::filesystem::path(itk_tmp).replace_extension(data), ec);
}

}  // namespace

void write_volume(const Volume& v, const std::string& path, PixelType as) {
  namespace fs = std::filesystem;
  detail::quiet_libraries();
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
      detail::CapturedStderr itk_messages;  // niftiio / MetaIO print their write errors themselves
      write_with_itk(v, itk_tmp.string(), as, ext == ".mha" || ext == ".nrrd");
      try {
        verify_written(itk_tmp.string(), ext, v, as);
      } catch (const std::exception& e) {
        const std::string said = itk_messages.text();
        throw std::runtime_error(path + ": cannot write image: " + e.what() + (said.empty() ? "" : " (ITK: " + said + ")"));
      }
      if (ext == ".mhd") {
        finish_mhd(itk_tmp, path, atomic_tmp);
      } else {
        fs::rename(itk_tmp, atomic_tmp);
      }
    } catch (const itk::ExceptionObject& e) {
      remove_temporaries(itk_tmp);
      throw std::runtime_error(path + ": cannot write image: " + detail::one_line(e));
    } catch (...) {
      remove_temporaries(itk_tmp);
      throw;
    }
  });
}

}  // namespace labkit::imageio
