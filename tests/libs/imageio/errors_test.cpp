// Bad inputs give labkit::InputError "<path>: <one-line reason>".
#include <gtest/gtest.h>

#include <iostream>

#include "labkit/core/error.h"
#include "labkit/imageio/image.h"
#include "test_support.h"

namespace labkit::imageio {
namespace {

using testing::medical;
using testing::TempDir;

// Both readers must refuse `path` with an InputError that starts with the path and stays on one line.
void expect_input_error(const std::string& path, const std::string& reason = "") {
  for (int which = 0; which < 2; ++which) {
    try {
      if (which == 0) read_info(path);
      else read_volume(path);
      ADD_FAILURE() << (which ? "read_volume" : "read_info") << " accepted " << path;
    } catch (const InputError& e) {
      const std::string msg = e.what();
      std::cout << "  message: " << msg << "\n";  // for reviewing the wording in the test log
      EXPECT_EQ(msg.rfind(path + ": ", 0), 0u) << msg;
      EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
      EXPECT_NE(msg.find(reason), std::string::npos) << msg;
    }
  }
}

TEST(Errors, MissingFile) {
  const std::string path = "/nonexistent/dir/brain.nii.gz";
  expect_input_error(path);
  try {
    read_volume(path);
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), path + ": no such file");
  }
}

TEST(Errors, TruncatedNiftiHeader) {
  TempDir dir;
  const std::string bytes = testing::slurp(medical("anatomical.nii"));
  testing::spit(dir / "cut.nii", bytes.substr(0, 200));  // the NIfTI-1 header is 348 bytes
  expect_input_error(dir / "cut.nii", "truncated NIfTI header (200 of 348 bytes)");
}

TEST(Errors, TruncatedNiftiData) {
  TempDir dir;
  const std::string bytes = testing::slurp(medical("anatomical.nii"));
  testing::spit(dir / "short.nii", bytes.substr(0, bytes.size() / 2));
  // The header is intact, so only the voxel read can notice.
  EXPECT_EQ(read_info(dir / "short.nii").size, (std::vector<int64_t>{33, 41, 25}));
  try {
    read_volume(dir / "short.nii");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()).rfind(dir / "short.nii: truncated NIfTI file: ", 0), 0u) << e.what();
  }
}

TEST(Errors, TruncatedGzip) {
  TempDir dir;
  const std::string bytes = testing::slurp(medical("example_ct_sm.nii.gz"));
  testing::spit(dir / "cut.nii.gz", bytes.substr(0, 150));
  expect_input_error(dir / "cut.nii.gz");
}

TEST(Errors, TruncatedGzipData) {
  TempDir dir;
  // A complete gzip stream whose NIfTI payload stops halfway through the voxels.
  const std::string cmd = "gzip -dc '" + medical("example_ct_sm.nii.gz") + "' | head -c 300000 | gzip > '" +
                          (dir / "half.nii.gz") + "'";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  // And a gzip stream cut in the middle (no trailer).
  const std::string bytes = testing::slurp(medical("example_ct_sm.nii.gz"));
  testing::spit(dir / "cut_stream.nii.gz", bytes.substr(0, bytes.size() / 2));
  for (const std::string& path : {dir / "half.nii.gz", dir / "cut_stream.nii.gz"}) {
    try {
      read_volume(path);
      ADD_FAILURE() << "accepted " << path;
    } catch (const InputError& e) {
      EXPECT_EQ(std::string(e.what()).rfind(path + ": ", 0), 0u) << e.what();
    }
  }
}

TEST(Errors, CorruptSizeofHdr) {
  TempDir dir;
  std::string bytes = testing::slurp(medical("anatomical.nii"));
  bytes.replace(0, 4, "\x12\x34\x56\x78", 4);  // sizeof_hdr must be 348 (either byte order)
  testing::spit(dir / "corrupt.nii", bytes);
  expect_input_error(dir / "corrupt.nii", "corrupt NIfTI header: sizeof_hdr");
}

TEST(Errors, NotAnImage) {
  TempDir dir;
  testing::spit(dir / "text.nii", std::string(1000, 'x'));
  expect_input_error(dir / "text.nii");
  testing::spit(dir / "data.bin", "just bytes");
  expect_input_error(dir / "data.bin");
}

}  // namespace
}  // namespace labkit::imageio
