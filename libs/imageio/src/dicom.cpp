// DICOM series from a directory: GDCM finds and sorts the files, ImageSeriesReader stacks them with
// the geometry of the series (origin of the first slice, slice spacing from positions).
#include <itkGDCMImageIO.h>
#include <itkGDCMSeriesFileNames.h>
#include <itkImage.h>
#include <itkImageSeriesReader.h>

#include <cmath>
#include <filesystem>

#include "itk_io.h"
#include "labkit/core/error.h"

namespace labkit::imageio {

std::vector<std::string> dicom_series_files(const std::string& dir, const std::string& series_uid) {
  detail::quiet_libraries();
  {
    // GDCM scans every file of the folder: check each one it would parse first (it aborts on some
    // truncated files).
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec))
      if (entry.is_regular_file(ec)) detail::check_dicom(entry.path().string());
    if (ec) throw input_error(dir, "cannot list directory: " + ec.message());
  }
  detail::CapturedStderr quiet;
  auto names = itk::GDCMSeriesFileNames::New();
  std::vector<std::string> uids;
  // ITK would also print "No Series were found" as a multi-line warning; our error says it once.
  const bool warnings = itk::Object::GetGlobalWarningDisplay();
  itk::Object::GlobalWarningDisplayOff();
  try {
    names->SetUseSeriesDetails(true);
    names->SetDirectory(dir);
    uids = names->GetSeriesUIDs();
  } catch (const itk::ExceptionObject& e) {
    itk::Object::SetGlobalWarningDisplay(warnings);
    throw input_error(dir, "cannot scan DICOM directory: " + detail::one_line(e));
  }
  itk::Object::SetGlobalWarningDisplay(warnings);
  if (uids.empty()) throw input_error(dir, "no DICOM series found in directory");
  std::string chosen;
  for (const auto& uid : uids)
    if (series_uid.empty() || uid.compare(0, series_uid.size(), series_uid) == 0) {
      chosen = uid;
      break;
    }
  if (chosen.empty()) throw input_error(dir, "no DICOM series with UID " + series_uid);
  std::vector<std::string> files = names->GetFileNames(chosen);
  if (files.empty()) throw input_error(dir, "DICOM series " + chosen + " has no readable files");
  return files;
}

}  // namespace labkit::imageio

namespace labkit::imageio::detail {

ImageInfo dicom_info(const std::string& dir, const std::string& series_uid) {
  const std::vector<std::string> files = dicom_series_files(dir, series_uid);
  auto read_header = [&](const std::string& file) {
    auto io = itk::GDCMImageIO::New();
    io->SetFileName(file);
    CapturedStderr quiet;
    try {
      io->ReadImageInformation();
    } catch (const itk::ExceptionObject& e) {
      throw input_error(file, "cannot read DICOM header: " + one_line(e));
    }
    return info_from_io(*io, dir);
  };
  ImageInfo info = read_header(files.front());
  if (files.size() > 1 && info.dimension == 3) {
    // Stacked single-frame slices: count them, and take the slice spacing from the first two positions
    // along the slice normal (as ImageSeriesReader does).
    const ImageInfo second = read_header(files[1]);
    double d = 0.0;
    for (int r = 0; r < 3; ++r) d += (second.origin[r] - info.origin[r]) * info.direction[r * 3 + 2];
    if (std::abs(d) > 1e-6) info.spacing[2] = std::abs(d);
    info.size[2] *= static_cast<int64_t>(files.size());
  }
  return info;
}

Volume read_dicom(const std::string& dir, const std::string& series_uid) {
  using Image = itk::Image<float, 3>;
  const std::vector<std::string> files = dicom_series_files(dir, series_uid);
  auto reader = itk::ImageSeriesReader<Image>::New();
  reader->SetImageIO(itk::GDCMImageIO::New());
  reader->SetFileNames(files);
  CapturedStderr quiet;
  try {
    reader->Update();
  } catch (const itk::ExceptionObject& e) {
    throw input_error(dir, "cannot read DICOM series: " + one_line(e));
  }
  const Image* img = reader->GetOutput();
  Volume v;
  const auto size = img->GetLargestPossibleRegion().GetSize();
  for (unsigned a = 0; a < 3; ++a) {
    v.geometry.size[a] = static_cast<int64_t>(size[a]);
    v.geometry.spacing[a] = img->GetSpacing()[a];
    v.geometry.origin[a] = img->GetOrigin()[a];
    for (unsigned r = 0; r < 3; ++r) v.geometry.direction[3 * r + a] = img->GetDirection()(r, a);
  }
  const float* p = img->GetBufferPointer();
  v.voxels.assign(p, p + voxel_count(v.geometry));
  return v;
}

}  // namespace labkit::imageio::detail
