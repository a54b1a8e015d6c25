// read_json_file and CaseManifest: the one reader of user JSON files and of {"cases": [...]} manifests.
#include "labkit/core/json_file.h"

#include <gtest/gtest.h>

#include <fstream>
#include <functional>

#include "labkit/core/case_manifest.h"
#include "labkit/core/error.h"
#include "temp_dir.h"
#include "error_of.h"

namespace {

using labkit::test::error_of;  // tests/support/error_of.h

TEST(JsonFile, ReadsJsonAndCommentsOnlyWhenAllowed) {
  labkit::test::TempDir dir("json_file");
  const std::string path = dir / "a.json";
  std::ofstream(path) << "{\"a\": [1, 2]} // note\n";
  EXPECT_EQ(labkit::read_json_file(path, "the file", /*allow_comments=*/true)["a"][1], 2);
  const auto msg = error_of([&] { labkit::read_json_file(path, "the file"); });
  EXPECT_EQ(msg.rfind(path + ": the file is not valid JSON: ", 0), 0u) << msg;
}

TEST(JsonFile, EveryFailureIsOneInputErrorNamingTheFile) {
  labkit::test::TempDir dir("json_file_bad");
  EXPECT_EQ(error_of([&] { labkit::read_json_file(dir / "missing.json", "the manifest"); }),
            dir / "missing.json" + ": cannot open the manifest");
  EXPECT_EQ(error_of([&] { labkit::read_json_file(dir.path().string(), "the manifest"); }),
            dir.path().string() + ": is a folder, expected the manifest");
  std::ofstream(dir / "empty.json") << "";
  EXPECT_EQ(error_of([&] { labkit::read_json_file(dir / "empty.json", "the grid"); }).rfind(dir / "empty.json" + ": the grid is not valid JSON", 0), 0u);
  std::ofstream(dir / "cut.json") << "{\"a\": ";
  const auto msg = error_of([&] { labkit::read_json_file(dir / "cut.json", "the grid"); });
  EXPECT_EQ(msg.find('\n'), std::string::npos) << "one line: " << msg;
}

TEST(CaseManifest, PathsAreRelativeToTheManifestFolder) {
  labkit::test::TempDir dir("manifest");
  std::filesystem::create_directories(dir / "sub");
  const std::string path = dir / "sub/m.json";
  std::ofstream(path) << R"({"cases": [{"image": "a.nii.gz"}, {"image": "/abs/b.nii"}]})";
  const auto m = labkit::CaseManifest::read(path);
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m.path(), path);
  EXPECT_EQ(m.resolve(m[0]["image"]), dir / "sub/a.nii.gz");
  EXPECT_EQ(m.resolve(m[1]["image"]), "/abs/b.nii");
  EXPECT_EQ(m.resolve(""), "") << "an optional file left out stays empty";
  // A manifest named without a folder: paths stay relative to the working directory.
  std::ofstream(dir / "m2.json") << R"({"cases": [{}]})";
  std::filesystem::current_path(dir.path());
  EXPECT_EQ(labkit::CaseManifest::read("m2.json").resolve("x.nii"), "x.nii");
}

TEST(CaseManifest, ShapeErrorsNameTheFile) {
  labkit::test::TempDir dir("manifest_bad");
  auto err = [&](const std::string& text) {
    const std::string path = dir / "m.json";
    std::ofstream(path) << text;
    return error_of([&] { labkit::CaseManifest::read(path); });
  };
  const std::string shape = dir / "m.json" + ": expected {\"cases\": [...]} with at least one case";
  EXPECT_EQ(err("[]"), shape);
  EXPECT_EQ(err(R"({"cases": []})"), shape);
  EXPECT_EQ(err(R"({"cases": {"a": 1}})"), shape);
  EXPECT_EQ(err(R"({"cases": [{}, 3]})"), dir / "m.json" + ": case 1 is not an object");
  EXPECT_NE(err("{").find(": the manifest is not valid JSON"), std::string::npos);
}

}  // namespace
