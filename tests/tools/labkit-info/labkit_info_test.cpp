// End-to-end tests of the labkit-info binary: what it prints, what it writes, and how it fails.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "labkit/core/atomic_file.h"
#include "labkit/tensorio/h5.h"
#include "labkit/tensorio/safetensors.h"
#include "run_command.h"

namespace fs = std::filesystem;
using labkit::test::run_command;
using labkit::test::shell_quote;

namespace {

const std::string kTool = std::string(LABKIT_BIN_DIR) + "/labkit-info";
const std::string kData = LABKIT_SHARED_DATA_DIR;

labkit::test::CommandResult info(const std::string& args) { return run_command(shell_quote(kTool) + " " + args); }

int line_count(const std::string& s) {
  int n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

// Bad input: exit 2, exactly one line on stderr that names `needle`, nothing on stdout.
void expect_one_line_error(const labkit::test::CommandResult& r, const std::string& needle) {
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(line_count(r.err), 1) << r.err;
  EXPECT_NE(r.err.find(needle), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
}

std::string write_small_safetensors(const std::string& dir) {
  labkit::tensorio::SafetensorsWriter w;
  std::vector<float> weight{1, 2, 3, 4, 5, 6};
  std::vector<std::int64_t> steps{42};
  w.add("layer.weight", weight, {2, 3});
  w.add("step", steps, {1});
  w.set_metadata("format", "pt");
  const std::string path = dir + "/small.safetensors";
  w.write(path);
  return path;
}

std::string write_small_h5(const std::string& dir) {
  const std::string path = dir + "/small.h5";
  auto file = labkit::tensorio::H5File::create(path);
  std::vector<double> energies{-1.5, -2.5, -3.5};
  labkit::tensorio::write_array(file, "/molecules/energy", energies, {3});
  labkit::tensorio::set_attribute(file, "/molecules/energy", "units", std::string("eV"));
  file.commit();
  return path;
}

}  // namespace

TEST(LabkitInfo, VersionNamesLibraries) {
  const auto r = info("--version");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("labkit-info"), std::string::npos);
  EXPECT_NE(r.out.find("HDF5 1."), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("gcc"), std::string::npos) << r.out;
#ifdef LABKIT_TEST_HAVE_TORCH
  EXPECT_NE(r.out.find("LibTorch"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("BLAS"), std::string::npos) << r.out;
#endif
#ifdef LABKIT_TEST_HAVE_ITK
  EXPECT_NE(r.out.find("ITK 5."), std::string::npos) << r.out;
#endif
}

TEST(LabkitInfo, HelpExitsZero) {
  const auto r = info("--help");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("--shard"), std::string::npos);
}

TEST(LabkitInfo, BuildSummaryAsJson) {
  const auto r = info("--json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_GE(j["build"]["threads"]["hardware_concurrency"].get<int>(), 1);
  EXPECT_EQ(j["build"]["cuda"]["device_count"].get<int>() >= 0, true);
  EXPECT_FALSE(j.contains("files"));
}

TEST(LabkitInfo, VersionListsEachLibraryOnce) {
  const auto r = info("--version");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* name : {"\n  HDF5 ", "\n  fmt ", "\n  CLI11 "
#ifdef LABKIT_TEST_HAVE_TORCH
                           , "\n  LibTorch ", "\n  BLAS ", "\n  CUDA devices "
#endif
#ifdef LABKIT_TEST_HAVE_ITK
                           , "\n  ITK ", "\n  GDCM "
#endif
       }) {
    const auto first = r.out.find(name);
    EXPECT_NE(first, std::string::npos) << name << " missing:\n" << r.out;
    EXPECT_EQ(r.out.find(name, first + 1), std::string::npos) << name << " twice:\n" << r.out;
  }
}

TEST(LabkitInfo, ShowConfig) {
  const auto r = info("--show-config --set list_limit=7");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out), (nlohmann::json{{"list_limit", 7}}));
}

TEST(LabkitInfo, ListLimitIsRangeChecked) {
  // Issue 14: -5 crashed (SIGSEGV), -1 threw length_error.
  for (const char* v : {"-5", "-1", "4294967296"}) {
    const auto r = info(std::string("--set list_limit=") + v + " /nonexistent.h5");
    expect_one_line_error(r, std::string("config list_limit: must be in [0, 1000000], got ") + v);
  }
}

TEST(LabkitInfo, BadFileAmongGoodOnesIsReportedAndTheRestDescribed) {
  const std::string dir = labkit::test::fresh_temp_dir("info_pipeline");
  const std::string st = write_small_safetensors(dir), h5 = write_small_h5(dir);
  const std::string bad = dir + "/missing.nii.gz";
  const auto text = info(shell_quote(st) + " " + shell_quote(bad) + " " + shell_quote(h5));
  EXPECT_EQ(text.exit_code, 2);
  EXPECT_EQ(line_count(text.err), 1) << text.err;
  EXPECT_NE(text.err.find(bad + ": no such file"), std::string::npos) << text.err;
  EXPECT_NE(text.out.find(st + ": safetensors"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find(h5 + ": HDF5"), std::string::npos) << text.out;
  EXPECT_EQ(text.out.find("labkit 0."), std::string::npos) << "no build summary with files: " << text.out;

  const auto json = info("--json " + shell_quote(st) + " " + shell_quote(bad) + " " + shell_quote(h5));
  EXPECT_EQ(json.exit_code, 2);
  const auto j = nlohmann::json::parse(json.out);
  ASSERT_EQ(j["files"].size(), 2u);
  ASSERT_EQ(j["errors"].size(), 1u);
  EXPECT_EQ(j["errors"][0]["path"], bad);
  EXPECT_FALSE(j.contains("build"));

  // With --out: the failed run writes no report.json, and a rerun without the bad file just proceeds.
  const std::string out = dir + "/out";
  EXPECT_EQ(info("--out " + shell_quote(out) + " " + shell_quote(st) + " " + shell_quote(bad)).exit_code, 2);
  EXPECT_FALSE(fs::exists(out + "/report.json"));
  const auto rerun = info("--out " + shell_quote(out) + " " + shell_quote(st));
  EXPECT_EQ(rerun.exit_code, 0) << rerun.err;
  EXPECT_TRUE(fs::exists(out + "/report.json"));
}

TEST(LabkitInfo, DescribesALabkitRunFolder) {
  const std::string dir = labkit::test::fresh_temp_dir("info_run_folder");
  const std::string st = write_small_safetensors(dir);
  ASSERT_EQ(info("--out " + shell_quote(dir + "/run") + " " + shell_quote(st)).exit_code, 0);
  const auto r = info("--json " + shell_quote(dir + "/run"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto d = nlohmann::json::parse(r.out)["files"][0];
  EXPECT_EQ(d["kind"], "labkit-run");
  EXPECT_EQ(d["tool"], "labkit-info");
  EXPECT_TRUE(d["finished"].get<bool>());
  EXPECT_EQ(d["metrics"]["files"], "1 entries");
  const auto text = info(shell_quote(dir + "/run"));
  EXPECT_NE(text.out.find("labkit run of labkit-info, finished"), std::string::npos) << text.out;

  // An unfinished run (config.json, no report.json).
  fs::create_directories(dir + "/failed");
  std::ofstream(dir + "/failed/config.json") << R"({"a": 1})";
  const auto u = info(shell_quote(dir + "/failed"));
  ASSERT_EQ(u.exit_code, 0) << u.err;
  EXPECT_NE(u.out.find("unfinished"), std::string::npos) << u.out;
}

TEST(LabkitInfo, DescribesSafetensorsAndHdf5) {
  const std::string dir = labkit::test::fresh_temp_dir("info_files");
  const std::string st = write_small_safetensors(dir);
  const std::string h5 = write_small_h5(dir);
  const auto r = info("--json " + shell_quote(st) + " " + shell_quote(h5));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["files"].size(), 2u);
  const auto& s = j["files"][0];
  EXPECT_EQ(s["kind"], "safetensors");
  EXPECT_EQ(s["tensor_count"], 2);
  EXPECT_EQ(s["parameters"], 7);
  EXPECT_EQ(s["metadata"]["format"], "pt");
  const auto& h = j["files"][1];
  EXPECT_EQ(h["kind"], "hdf5");
  bool found = false;
  for (const auto& o : h["objects"])
    if (o["path"] == "/molecules/energy") {
      found = true;
      EXPECT_EQ(o["shape"], nlohmann::json::array({3}));
      EXPECT_EQ(o["attributes"]["units"], "eV");
    }
  EXPECT_TRUE(found) << h.dump();

  const auto text = info(shell_quote(st));
  ASSERT_EQ(text.exit_code, 0);
  EXPECT_NE(text.out.find("layer.weight"), std::string::npos) << text.out;
}

#ifdef LABKIT_TEST_HAVE_ITK
TEST(LabkitInfo, DescribesRealNiftiGeometry) {
  const auto r = info("--json " + shell_quote(kData + "/medical/example_ct_sm.nii.gz"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto d = nlohmann::json::parse(r.out)["files"][0];
  EXPECT_EQ(d["kind"], "image");
  EXPECT_EQ(d["size"], nlohmann::json::array({122, 101, 30}));
  EXPECT_EQ(d["pixel_type"], "int16");
  for (int a = 0; a < 3; ++a) EXPECT_NEAR(d["spacing"][a].get<double>(), 3.0, 1e-6);
  // Documented RAS origin (-177.9563, 11.319, 94.3018); ITK reports LPS, so x and y flip sign.
  EXPECT_NEAR(d["origin"][0].get<double>(), 177.9563, 1e-3);
  EXPECT_NEAR(d["origin"][1].get<double>(), -11.319, 1e-3);
  EXPECT_NEAR(d["origin"][2].get<double>(), 94.3018, 1e-3);
}

TEST(LabkitInfo, TruncatedDicomExits2) {
  // Issue 14: `head -c 20000` of a real DICOM aborted in GDCM (gdcmVR16ExplicitDataElement.txx:46).
  const std::string dir = labkit::test::fresh_temp_dir("info_truncated_dicom");
  const std::string cut = "gzip -dc " + shell_quote(kData + "/medical/philips_mprage.dcm.gz") + " | head -c 20000 > " +
                          shell_quote(dir + "/cut.dcm");
  ASSERT_EQ(run_command("sh -c " + shell_quote(cut)).exit_code, 0);
  ASSERT_EQ(fs::file_size(dir + "/cut.dcm"), 20000u);
  expect_one_line_error(info(shell_quote(dir + "/cut.dcm")), dir + "/cut.dcm: truncated or corrupt DICOM file");
  fs::create_directories(dir + "/series");
  fs::rename(dir + "/cut.dcm", dir + "/series/cut.dcm");
  expect_one_line_error(info(shell_quote(dir + "/series")), dir + "/series/cut.dcm: truncated or corrupt DICOM file");
}

TEST(LabkitInfo, NanVoxelSizeExits2) {
  const std::string dir = labkit::test::fresh_temp_dir("info_nan_pixdim");
  std::string bytes = labkit::read_file(kData + "/medical/anatomical.nii");
  // pixdim[1] at byte 80; anatomical.nii is big-endian: 7f c0 00 00 is a quiet NaN.
  bytes[80] = '\x7f', bytes[81] = '\xc0', bytes[82] = 0, bytes[83] = 0;
  const std::string path = dir + "/nan.nii";
  std::ofstream(path, std::ios::binary) << bytes;
  expect_one_line_error(info(shell_quote(path)), path + ": corrupt NIfTI header: pixdim[1] (voxel size) is nan");
}

TEST(LabkitInfo, CorruptNiftiHeader) {
  const std::string dir = labkit::test::fresh_temp_dir("info_corrupt_nii");
  std::string bytes = labkit::read_file(kData + "/medical/anatomical.nii");
  // sizeof_hdr (first 4 bytes) must be 348 in either byte order; anything else is no NIfTI-1 header.
  bytes[0] = bytes[1] = bytes[2] = bytes[3] = '\x7f';
  const std::string path = dir + "/corrupt.nii";
  std::ofstream(path, std::ios::binary) << bytes;
  expect_one_line_error(info(shell_quote(path)), path);
}
#endif

TEST(LabkitInfo, MissingFile) { expect_one_line_error(info("/nonexistent/scan.nii.gz"), "/nonexistent/scan.nii.gz"); }

TEST(LabkitInfo, TruncatedHdf5) {
  const std::string dir = labkit::test::fresh_temp_dir("info_truncated_h5");
  const std::string whole = labkit::read_file(write_small_h5(dir));
  const std::string path = dir + "/truncated.h5";
  std::ofstream(path, std::ios::binary) << whole.substr(0, whole.size() / 3);
  expect_one_line_error(info(shell_quote(path)), path);
}

TEST(LabkitInfo, UnknownSetKey) { expect_one_line_error(info("--set no_such_key=1"), "no_such_key"); }

TEST(LabkitInfo, UnrecognisedFile) {
  const std::string dir = labkit::test::fresh_temp_dir("info_unknown");
  const std::string path = dir + "/notes.txt";
  std::ofstream(path) << "plain text\n";
  expect_one_line_error(info(shell_quote(path)), path);
}

TEST(LabkitInfo, ReportAndShards) {
  const std::string dir = labkit::test::fresh_temp_dir("info_shards");
  const std::string a = write_small_safetensors(dir), b = write_small_h5(dir);
  const std::string out = dir + "/out";
  const auto r = info("--out " + shell_quote(out) + " --shard 1/2 " + shell_quote(a) + " " + shell_quote(b));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto report = nlohmann::json::parse(labkit::read_file(out + "/report.json"));
  EXPECT_EQ(report["tool"], "labkit-info");
  ASSERT_EQ(report["metrics"]["files"].size(), 1u);
  EXPECT_EQ(report["metrics"]["files"][0]["path"], b);
  EXPECT_EQ(report["run"]["shard"]["index"], 1);
  EXPECT_TRUE(fs::exists(out + "/config.json"));

  // A second run into the same folder needs --force.
  const auto again = info("--out " + shell_quote(out) + " " + shell_quote(a));
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_NE(again.err.find("--force"), std::string::npos) << again.err;
  EXPECT_EQ(info("--force --out " + shell_quote(out) + " " + shell_quote(a)).exit_code, 0);
}

TEST(LabkitInfo, ShardFromSlurmArrayVariables) {
  const std::string dir = labkit::test::fresh_temp_dir("info_slurm_env");
  const std::string a = write_small_safetensors(dir), b = write_small_h5(dir);
  const auto r = run_command("SLURM_ARRAY_TASK_ID=0 SLURM_ARRAY_TASK_COUNT=2 " + shell_quote(kTool) + " --json " +
                             shell_quote(a) + " " + shell_quote(b));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["files"].size(), 1u);
  EXPECT_EQ(j["files"][0]["path"], a);
}
