// Internal: byte-level checks of NIfTI and DICOM files, run before ITK/GDCM read them. No ITK here, so
// the fuzz harnesses (fuzz/) compile these readers without ITK.
#pragma once

#include <string>

namespace labkit::imageio::detail {

// NIfTI checks ITK skips (nifti_check.cpp): sizeof_hdr, header length and, with check_data, that a
// single-file .nii/.nii.gz holds all its voxel bytes. Throws InputError.
void check_nifti(const std::string& path, bool check_data);

// DICOM Part 10 files (dicom_check.cpp): every data element's declared length must fit in the file, checked
// before GDCM reads it (GDCM aborts on some truncated files). Files without the "DICM" preamble pass.
bool looks_like_dicom(const std::string& path);
void check_dicom(const std::string& path);

}  // namespace labkit::imageio::detail
