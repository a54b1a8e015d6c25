// labkit::imageio's DICOM Part 10 walk that runs before GDCM sees a file (every element's length must
// fit in the file; GDCM itself is not fuzzed here).
#include "file_checks.h"
#include "harness.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = labkit::fuzz::write_input(data, size, "image.dcm");
  labkit::fuzz::expect_input_error_only([&] {
    if (labkit::imageio::detail::looks_like_dicom(path)) labkit::imageio::detail::check_dicom(path);
  });
  return 0;
}
