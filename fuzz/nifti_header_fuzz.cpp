// labkit::imageio's NIfTI-1/2 checks that run before ITK reads a file: sizeof_hdr, dims, pixdim, offset,
// the voxel bytes a single-file .nii must hold, and the NaN/inf voxel count (zlib reads plain and gzip).
#include "file_checks.h"
#include "harness.h"
#include "labkit/imageio/image.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = labkit::fuzz::write_input(data, size, "image.nii");
  labkit::fuzz::expect_input_error_only([&] { labkit::imageio::detail::check_nifti(path, true); });
  labkit::fuzz::expect_input_error_only([&] { labkit::imageio::nifti_nonfinite_voxels(path); });
  return 0;
}
