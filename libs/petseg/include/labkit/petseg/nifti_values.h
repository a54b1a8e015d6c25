// NaN and inf voxels of a NIfTI file, counted in the file's own bytes. ITK reads NIfTI through nifti1_io,
// which silently replaces every non-finite float voxel by 0 while reading, so the decoded volume cannot
// show them (an all-NaN image became an all-zero one and was segmented with exit 0).
#pragma once

#include <cstdint>
#include <string>

namespace labkit::petseg {

struct NonFinite {
  int64_t count = 0;   // NaN or inf voxels
  int64_t voxels = 0;  // all voxels the header declares (0 when not checked)
};

// For a .nii / .nii.gz file (NIfTI-1 or -2, either byte order) with float32 or float64 voxels: the
// non-finite voxels among them. Other files and types give {0, 0}; an unreadable or short file too (the
// image reader reports those).
NonFinite nifti_nonfinite_voxels(const std::string& path);

}  // namespace labkit::petseg
