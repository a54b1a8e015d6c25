// Shared ITK glue: opening any image header through the IO factory, and turning its facts into ours.
#include "itk_io.h"

#include <gdcmTrace.h>
#include <itkImageIOFactory.h>

#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <iostream>

#include "labkit/core/error.h"
#include "labkit/core/log.h"

// ITK's bundled niftiio (libITKniftiio) exports its C API under the plain names.
extern "C" void nifti_set_debug_level(int level);

namespace labkit::imageio::detail {

std::string one_line(const itk::ExceptionObject& e) {
  std::string s = e.GetDescription();
  for (char& c : s)  // one line, and no raw control bytes of a bad file echoed to the terminal
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
    else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  while (!s.empty() && s.back() == ' ') s.pop_back();
  // itkExceptionMacro prefixes "ITK ERROR: ClassName(0x...): ", which says nothing to a user.
  if (s.rfind("ITK ERROR: ", 0) == 0) {
    const size_t end = s.find("): ");
    if (end != std::string::npos) s = s.substr(end + 3);
  }
  return s.empty() ? std::string("ITK error") : s;
}

std::string component_name(itk::IOComponentEnum t) {
  using C = itk::IOComponentEnum;
  switch (t) {
    case C::UCHAR: return "uint8";
    case C::CHAR: return "int8";
    case C::USHORT: return "uint16";
    case C::SHORT: return "int16";
    case C::UINT: return "uint32";
    case C::INT: return "int32";
    case C::ULONG: return sizeof(unsigned long) == 8 ? "uint64" : "uint32";
    case C::LONG: return sizeof(long) == 8 ? "int64" : "int32";
    case C::ULONGLONG: return "uint64";
    case C::LONGLONG: return "int64";
    case C::FLOAT: return "float32";
    case C::DOUBLE: return "float64";
    default: return "unknown";
  }
}

CapturedStderr::CapturedStderr() {
  std::fflush(stderr);
  std::cerr.flush();
  file_ = std::tmpfile();
  if (!file_) return;
  saved_fd_ = ::dup(STDERR_FILENO);
  if (saved_fd_ < 0 || ::dup2(::fileno(file_), STDERR_FILENO) < 0) {
    if (saved_fd_ >= 0) ::close(saved_fd_);
    saved_fd_ = -1;
  }
}

void CapturedStderr::restore() {
  if (saved_fd_ < 0) return;
  std::fflush(stderr);
  std::cerr.flush();
  ::dup2(saved_fd_, STDERR_FILENO);
  ::close(saved_fd_);
  saved_fd_ = -1;
}

std::string CapturedStderr::text() {
  restore();
  if (!file_) return "";
  std::string out;
  std::rewind(file_);
  char buf[512];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, file_)) > 0 && out.size() < 4096) out.append(buf, n);
  for (char& c : out)
    if (c == '\n' || c == '\r' || static_cast<unsigned char>(c) < 0x20) c = ' ';
  while (!out.empty() && out.back() == ' ') out.pop_back();
  if (out.size() > 300) out = out.substr(0, 297) + "...";
  return out;
}

CapturedStderr::~CapturedStderr() {
  const std::string t = text();
  if (!t.empty()) log::debug("ITK said: {}", t);
  if (file_) std::fclose(file_);
}

void quiet_libraries() {
  static const bool done = [] {
    itk::Object::GlobalWarningDisplayOff();
    nifti_set_debug_level(0);  // ITK's niftiio prints "** ERROR ..." lines of its own otherwise
    gdcm::Trace::SetDebug(false);
    gdcm::Trace::SetWarning(false);
    gdcm::Trace::SetError(false);
    return true;
  }();
  (void)done;
}

itk::ImageIOBase::Pointer open_image_io(const std::string& path) {
  quiet_libraries();
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw input_error(path, "no such file");
  if (std::filesystem::is_directory(path, ec)) throw input_error(path, "is a directory, not an image file");
  check_dicom(path);  // before any ITK reader probes it: GDCM aborts on some truncated files
  itk::ImageIOBase::Pointer io = [&] {
    CapturedStderr quiet;  // readers probing a file they cannot read may print about it
    return itk::ImageIOFactory::CreateImageIO(path.c_str(), itk::ImageIOFactory::IOFileModeEnum::ReadMode);
  }();
  if (!io) {
    // A NIfTI name that no reader accepts: say what is wrong with its header if we can tell.
    const auto ends = [&](const std::string& t) {
      return path.size() >= t.size() && path.compare(path.size() - t.size(), t.size(), t) == 0;
    };
    if (ends(".nii") || ends(".nii.gz")) check_nifti(path, /*check_data=*/false);
    throw input_error(path, "unknown or unreadable image format (no ITK reader accepts it)");
  }
  if (std::string(io->GetNameOfClass()) == "NiftiImageIO") check_nifti(path, /*check_data=*/false);
  io->SetFileName(path);
  CapturedStderr quiet;
  try {
    io->ReadImageInformation();
  } catch (const itk::ExceptionObject& e) {
    throw input_error(path, "cannot read image header: " + one_line(e));
  }
  return io;
}

ImageInfo info_from_io(const itk::ImageIOBase& io, const std::string& path) {
  ImageInfo info;
  info.path = path;
  const std::string cls = io.GetNameOfClass();
  info.format = cls == "NiftiImageIO"  ? "NIfTI"
                : cls == "MetaImageIO" ? "MetaImage"
                : cls == "NrrdImageIO" ? "NRRD"
                : cls == "GDCMImageIO" ? "DICOM"
                                       : cls;
  const unsigned n = io.GetNumberOfDimensions();
  info.dimension = static_cast<int>(n);
  info.direction.assign(n * n, 0.0);
  for (unsigned c = 0; c < n; ++c) {
    info.size.push_back(static_cast<int64_t>(io.GetDimensions(c)));
    info.spacing.push_back(io.GetSpacing(c));
    info.origin.push_back(io.GetOrigin(c));
    const std::vector<double> axis = io.GetDirection(c);  // ITK: column c of the direction matrix
    for (unsigned r = 0; r < n && r < axis.size(); ++r) info.direction[r * n + c] = axis[r];
  }
  info.pixel_type = component_name(io.GetComponentType());
  info.components = static_cast<int>(io.GetNumberOfComponents());
  return info;
}

namespace {
template <typename T>
void convert(const void* buffer, size_t n, float* out) {
  const T* p = static_cast<const T*>(buffer);
  for (size_t i = 0; i < n; ++i) out[i] = static_cast<float>(p[i]);
}
}  // namespace

void to_float(const void* buffer, itk::IOComponentEnum t, size_t n, float* out) {
  using C = itk::IOComponentEnum;
  switch (t) {
    case C::UCHAR: return convert<uint8_t>(buffer, n, out);
    case C::CHAR: return convert<int8_t>(buffer, n, out);
    case C::USHORT: return convert<uint16_t>(buffer, n, out);
    case C::SHORT: return convert<int16_t>(buffer, n, out);
    case C::UINT: return convert<uint32_t>(buffer, n, out);
    case C::INT: return convert<int32_t>(buffer, n, out);
    case C::ULONG: return convert<unsigned long>(buffer, n, out);
    case C::LONG: return convert<long>(buffer, n, out);
    case C::ULONGLONG: return convert<unsigned long long>(buffer, n, out);
    case C::LONGLONG: return convert<long long>(buffer, n, out);
    case C::FLOAT: return convert<float>(buffer, n, out);
    case C::DOUBLE: return convert<double>(buffer, n, out);
    default: throw std::runtime_error("unsupported pixel component type");
  }
}

}  // namespace labkit::imageio::detail
