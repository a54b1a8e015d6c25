// Internal: the shared ITK glue (errors, ImageIO headers -> ImageInfo, pixel conversion, DICOM entry).
#pragma once

#include <itkImageIOBase.h>

#include <cstdio>
#include <string>

#include "file_checks.h"
#include "labkit/imageio/image.h"

namespace labkit::imageio::detail {

// ITK's description without its file/line preamble, on one line.
std::string one_line(const itk::ExceptionObject& e);

// "int16", "float32", ... for an ITK component type.
std::string component_name(itk::IOComponentEnum t);

// Checks the path exists, creates the ImageIO that can read it and reads its header.
itk::ImageIOBase::Pointer open_image_io(const std::string& path);

ImageInfo info_from_io(const itk::ImageIOBase& io, const std::string& path);

// Converts n components of type t to float.
void to_float(const void* buffer, itk::IOComponentEnum t, size_t n, float* out);

// Turns off ITK's and GDCM's own warning/error printing (our InputError says it once); idempotent.
void quiet_libraries();

// While alive, what the process writes to stderr (fd 2: niftiio's fprintf, MetaIO's std::cerr) goes to a
// temporary file instead; text() returns it on one line (for an error message). Logged at debug level
// when discarded. Used around ITK reads and writes, which print their own "** ERROR" lines.
class CapturedStderr {
 public:
  CapturedStderr();
  ~CapturedStderr();
  CapturedStderr(const CapturedStderr&) = delete;
  CapturedStderr& operator=(const CapturedStderr&) = delete;
  std::string text();  // restores stderr first

 private:
  void restore();
  int saved_fd_ = -1;
  std::FILE* file_ = nullptr;
};

// DICOM series in a directory (dicom.cpp): first series, or the one whose UID starts with series_uid.
ImageInfo dicom_info(const std::string& dir, const std::string& series_uid);
Volume read_dicom(const std::string& dir, const std::string& series_uid);

}  // namespace labkit::imageio::detail
