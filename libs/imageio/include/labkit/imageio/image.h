// labkit::imageio: read/write medical images (NIfTI, MetaImage, NRRD, DICOM series) with their geometry,
// resample and reorient them. ITK stays inside the library: including this header costs nothing.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "labkit/core/version.h"
#include "labkit/imageio/geometry.h"

namespace labkit::imageio {

// Header facts of any 2D/3D/4D image, read without loading the voxels.
struct ImageInfo {
  std::string path;
  std::string format;  // "NIfTI", "MetaImage", "NRRD", "DICOM" (else ITK's ImageIO class name)
  int dimension = 0;
  std::vector<int64_t> size;
  std::vector<double> spacing, origin;
  std::vector<double> direction;  // row-major dimension x dimension, LPS world
  std::string pixel_type;         // component type: "uint8", "int16", "float32", ...
  int components = 1;             // > 1 for vector / RGB images
};

// Reads only the header. A directory means a DICOM series (the first one found, or series_uid).
// Throws labkit::InputError "<path>: <problem>" on any failure.
ImageInfo read_info(const std::string& path, const std::string& series_uid = "");

// A 3D scalar volume as float, x fastest (then y, then z).
struct Volume {
  Geometry geometry;
  std::vector<float> voxels;

  size_t offset(int64_t i, int64_t j, int64_t k) const {
    return static_cast<size_t>(i + geometry.size[0] * (j + geometry.size[1] * k));
  }
  float at(int64_t i, int64_t j, int64_t k) const { return voxels[offset(i, j, k)]; }
  float& at(int64_t i, int64_t j, int64_t k) { return voxels[offset(i, j, k)]; }
};

// A volume of the given geometry filled with `fill`.
Volume make_volume(const Geometry& g, float fill = 0.0f);

// Reads a 3D scalar image (2D images and trailing size-1 dimensions are accepted) cast to float;
// NIfTI scl_slope / DICOM rescale are applied. A directory is read as a DICOM series (the first series,
// or series_uid). 4D or vector images -> InputError "<path>: expected a 3D scalar image, got ...".
Volume read_volume(const std::string& path, const std::string& series_uid = "");

// The files of a folder's DICOM series in slice order, chosen as read_info/read_volume choose (the first
// series, or the one whose UID starts with series_uid). InputError "<dir>: ..." when there is none.
std::vector<std::string> dicom_series_files(const std::string& dir, const std::string& series_uid = "");

enum class PixelType { kUInt8, kInt16, kFloat32 };

// Writes by extension (.nii, .nii.gz, .mha, .mhd, .nrrd) through a temporary file renamed into place.
// Integer types round to nearest and clamp to the type's range (uint8 for masks/labels).
void write_volume(const Volume& v, const std::string& path, PixelType as = PixelType::kFloat32);

enum class Interpolation { kNearest, kLinear };

// Same origin and direction, new spacing; the size covers the same physical extent
// (round(size * spacing / new_spacing), at least 1). Points outside the input grid get 0.
Volume resample(const Volume& v, std::array<double, 3> new_spacing, Interpolation interp = Interpolation::kLinear);
// Samples v on an arbitrary target grid (e.g. a mask back onto the original image's grid).
Volume resample_to(const Volume& v, const Geometry& target, Interpolation interp = Interpolation::kLinear);

// Permutes/flips voxel axes so that orientation_code(result.geometry) == code (see geometry.h for the
// letter convention). Every voxel keeps its world position and value; no interpolation.
Volume reorient(const Volume& v, const std::string& code = "RAS");

}  // namespace labkit::imageio

namespace labkit::imageio {
// The ITK version this library was built against, e.g. "5.2.1".
std::string itk_version();
// NaN and inf voxels of a NIfTI file, counted in the file's own bytes. ITK reads NIfTI through nifti1_io,
// which silently replaces every non-finite float voxel by 0, so the decoded volume cannot show them.
struct NonFinite {
  int64_t count = 0;   // NaN or inf voxels
  int64_t voxels = 0;  // all voxels the header declares (0 when not checked)
};
// For a .nii / .nii.gz file (NIfTI-1 or -2, either byte order) with float32 or float64 voxels: the
// non-finite voxels among them. Other files and types give {0, 0}; an unreadable or short file too (the
// image reader reports those).
NonFinite nifti_nonfinite_voxels(const std::string& path);
// ITK and GDCM (DICOM) versions, for --version and report.json: tool.add_versions(labkit::imageio::versions()).
VersionList versions();
}  // namespace labkit::imageio
