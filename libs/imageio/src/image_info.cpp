// read_info: header only, any dimension; a directory is a DICOM series.
#include <filesystem>

#include "itk_io.h"

namespace labkit::imageio {

ImageInfo read_info(const std::string& path, const std::string& series_uid) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return detail::dicom_info(path, series_uid);
  return detail::info_from_io(*detail::open_image_io(path), path);
}

}  // namespace labkit::imageio
