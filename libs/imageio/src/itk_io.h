// Internal: the shared ITK glue (errors, ImageIO headers -> ImageInfo, pixel conversion, DICOM entry).
#pragma once

#include <itkImageIOBase.h>

#include <string>

#include "labkit/imageio/image.h"

namespace labkit::image::detail {

// ITK's description without its file/line preamble, on one line.
std::string one_line(const itk::ExceptionObject& e);

// "int16", "float32", ... for an ITK component type.
std::string component_name(itk::IOComponentEnum t);

// Checks the path exists, creates the ImageIO that can read it and reads its header.
itk::ImageIOBase::Pointer open_image_io(const std::string& path);

ImageInfo info_from_io(const itk::ImageIOBase& io, const std::string& path);

// Converts n components of type t to float.
void to_float(const void* buffer, itk::IOComponentEnum t, size_t n, float* out);

// NIfTI checks ITK skips (nifti_check.cpp): sizeof_hdr, header length and, with check_data, that a
// single-file .nii/.nii.gz holds all its voxel bytes. Throws InputError.
void check_nifti(const std::string& path, bool check_data);

// DICOM series in a directory (dicom.cpp): first series, or the one whose UID starts with series_uid.
ImageInfo dicom_info(const std::string& dir, const std::string& series_uid);
Volume read_dicom(const std::string& dir, const std::string& series_uid);

}  // namespace labkit::image::detail
