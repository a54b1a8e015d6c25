// seganypet-infer against hostile input (issue 14) and its interface (issue 13): NaN/inf images, absurd
// voxel spacings and config values, checkpoints with NaN weights or huge sizes in their metadata (exit 2,
// the file or key named, no mask); RAS clicks, click logging, numeric order of click counts, the table
// on stdout, and a folder of NIfTI files in, a folder of masks + cases.csv + summary.json out.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>

#include "batch.h"
#include "labkit/core/atomic_file.h"
#include "labkit/core/error.h"
#include "labkit/imageio/image.h"
#include "labkit/sammed3d/checkpoint.h"
#include "labkit/tensorio/safetensors.h"
#include "labkit/torchutil/tensor_files.h"
#include "run_command.h"
#include "sphere_phantom.h"

namespace fs = std::filesystem;
namespace img = labkit::imageio;
using labkit::test::run_command;
using labkit::test::shell_quote;

namespace {

const std::string kBin = std::string(LABKIT_BIN_DIR) + "/seganypet-infer";

struct Files {
  std::string dir, pet, lesions, model;
};

const Files& files() {
  static Files f = [] {
    Files x;
    x.dir = labkit::test::fresh_temp_dir("seganypet_robust");
    x.pet = x.dir + "/pet.nii.gz";
    x.lesions = x.dir + "/lesions.nii.gz";
    x.model = x.dir + "/model.safetensors";
    auto p = labkit::seganypet_infer::make_sphere_phantom(5, 2);
    img::write_volume(p.pet, x.pet);
    img::write_volume(p.labels, x.lesions, img::PixelType::kUInt8);
    labkit::sammed3d::save_model(*labkit::sammed3d::init_model(labkit::sammed3d::SamConfig::tiny(), 1), x.model);
    return x;
  }();
  return f;
}

labkit::test::CommandResult infer(const std::string& args, const std::string& out) {
  return run_command(kBin + " " + args + " --threads 1 --out " + shell_quote(out));
}

void expect_bad(const std::string& args, const std::string& name, const std::string& message) {
  const auto out = files().dir + "/" + name;
  auto r = infer(args, out);
  EXPECT_EQ(r.exit_code, 2) << name << ": " << r.err;
  EXPECT_NE(r.err.find(message), std::string::npos) << name << ": " << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << name << ": one line\n" << r.err;
  EXPECT_FALSE(fs::exists(out + "/mask.nii.gz")) << name;
  EXPECT_FALSE(fs::exists(out + "/report.json")) << name;
}

// The model file with its tensors changed by `edit` and its config metadata by `meta_edit`.
std::string edited_model(const std::string& name, const std::function<void(std::map<std::string, torch::Tensor>&)>& edit,
                         const std::function<void(nlohmann::json&)>& meta_edit = nullptr) {
  auto tensors = labkit::torchutil::load_safetensors(files().model);
  for (auto& [k, v] : tensors) v = v.clone();  // the loaded tensors may map the file read-only
  auto meta = labkit::tensorio::SafetensorsFile::open(files().model)->metadata();
  if (edit) edit(tensors);
  if (meta_edit) {
    auto j = nlohmann::json::parse(meta.at(labkit::sammed3d::kConfigMetadataKey));
    meta_edit(j);
    meta[labkit::sammed3d::kConfigMetadataKey] = j.dump();
  }
  const auto path = files().dir + "/" + name + ".safetensors";
  labkit::torchutil::save_safetensors(path, tensors, meta);
  return path;
}

}  // namespace

TEST(SegAnyPetInferRobustness, NonFiniteImagesAndAbsurdSpacingsAreBadInput) {
  const auto& f = files();
  const std::string ck = " --checkpoint " + shell_quote(f.model);
  auto pet = img::read_volume(f.pet);
  auto nan = pet;
  for (auto& v : nan.voxels) v = NAN;
  img::write_volume(nan, f.dir + "/nan.nii.gz");
  expect_bad(shell_quote(f.dir + "/nan.nii.gz") + ck + " --point 40,30,20", "nan",
             f.dir + "/nan.nii.gz: " + std::to_string(nan.voxels.size()) + " of " + std::to_string(nan.voxels.size()) +
                 " voxels are NaN or inf");
  auto inf = pet;
  inf.voxels[17] = INFINITY;
  img::write_volume(inf, f.dir + "/inf.nii.gz");
  expect_bad(shell_quote(f.dir + "/inf.nii.gz") + ck + " --point 40,30,20", "inf", "inf.nii.gz: 1 of");
  // A label map with NaN in evaluation mode.
  auto gt = img::read_volume(f.lesions);
  gt.voxels[5] = NAN;
  img::write_volume(gt, f.dir + "/gt_nan.nii.gz");
  expect_bad(shell_quote(f.pet) + ck + " --gt " + shell_quote(f.dir + "/gt_nan.nii.gz"), "gt_nan",
             "gt_nan.nii.gz: 1 of");
  // pixdim 1e30: the crop start overflowed (9.2e18) before.
  // A voxel size of 1e30 mm can no longer be written or read at all: libs/imageio refuses NIfTI voxel
  // sizes over 1e6 mm (tests/libs/imageio). What is left to check here is the model-space bound, with a
  // spacing imageio accepts but that still makes far too many model voxels (see spacing_mm above).
  auto huge = pet;
  huge.geometry.spacing[1] = 1e30;
  EXPECT_ANY_THROW(img::write_volume(huge, f.dir + "/huge.nii.gz"));  // the write is refused, nothing left
  EXPECT_FALSE(fs::exists(f.dir + "/huge.nii.gz"));
  // spacing_mm 0.01: std::bad_alloc before; now a config range.
  expect_bad(shell_quote(f.pet) + ck + " --point 40,30,20 --set spacing_mm=0.01", "spacing",
             "config spacing_mm: must be in [0.1, 20] mm, got 0.01");
  // In range, but the phantom at 0.1 mm would be 1600 x 1800 x 1440 voxels: refused by the grid bound.
  expect_bad(shell_quote(f.pet) + ck + " --point 40,30,20 --set spacing_mm=0.1", "grid",
             "pet.nii.gz: the image makes");
  int i = 0;
  for (const auto& [set, key] : std::vector<std::pair<std::string, std::string>>{
           {"max_crops=0", "max_crops"}, {"nsd_tolerance_mm=-1", "nsd_tolerance_mm"},
           {"'eval_clicks=[]'", "eval_clicks"}, {"'eval_clicks=[0]'", "eval_clicks"}})
    expect_bad(shell_quote(f.pet) + ck + " --point 40,30,20 --set " + set, "cfg" + std::to_string(i++),
               "config " + key + ":");
  expect_bad(shell_quote(f.pet) + ck + " --point-mm nan,1,2", "nan_click", "--point-mm nan,1,2: coordinates must be finite");
}

TEST(SegAnyPetInferRobustness, BadCheckpointsAreBadInputNamingTheFile) {
  const auto& f = files();
  const auto nan = edited_model("nan_weights", [](auto& t) { t["mask_decoder.iou_token.weight"].view(-1)[2] = NAN; });
  expect_bad(shell_quote(f.pet) + " --checkpoint " + shell_quote(nan) + " --point 40,30,20", "nan_weights",
             nan + ": tensor 'mask_decoder.iou_token.weight' holds NaN or inf values");
  const auto big = edited_model("big", nullptr, [](nlohmann::json& j) { j["img_size"] = 1048576; });
  expect_bad(shell_quote(f.pet) + " --checkpoint " + shell_quote(big) + " --point 40,30,20", "big",
             big + ": model config img_size = 1048576 is outside [1, 512]");
  const auto deep = edited_model("deep", nullptr, [](nlohmann::json& j) { j["depth"] = 100000; });
  expect_bad(shell_quote(f.pet) + " --checkpoint " + shell_quote(deep) + " --point 40,30,20", "deep",
             "model config depth = 100000 is outside [1, 128]");
}

// --point-ras is LPS with x and y negated; each click's voxel index is logged.
// Issue 13.3: --version names every linked library, ITK and GDCM (image I/O) among them, each once.
TEST(SegAnyPetInferInterface, VersionListsItkAndGdcmOnce) {
  const auto r = run_command(kBin + " --version");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* name : {"\n  LibTorch ", "\n  ITK 5.", "\n  GDCM 3."}) {
    const auto first = r.out.find(name);
    EXPECT_NE(first, std::string::npos) << name << " missing:\n" << r.out;
    EXPECT_EQ(r.out.find(name, first + 1), std::string::npos) << name << " twice:\n" << r.out;
  }
}

TEST(SegAnyPetInferInterface, RasClicksEqualLpsClicksAndAreLogged) {
  const auto& f = files();
  auto pet = img::read_volume(f.pet);
  auto w = img::index_to_world(pet.geometry, {40, 30, 20});
  const std::string base = shell_quote(f.pet) + " --checkpoint " + shell_quote(f.model);
  auto lps = infer(base + " --point-mm " + std::to_string(w[0]) + "," + std::to_string(w[1]) + "," + std::to_string(w[2]),
                   f.dir + "/lps");
  auto ras = infer(base + " --point-ras " + std::to_string(-w[0]) + "," + std::to_string(-w[1]) + "," + std::to_string(w[2]),
                   f.dir + "/ras");
  ASSERT_EQ(lps.exit_code, 0) << lps.err;
  ASSERT_EQ(ras.exit_code, 0) << ras.err;
  EXPECT_EQ(img::read_volume(f.dir + "/lps/mask.nii.gz").voxels, img::read_volume(f.dir + "/ras/mask.nii.gz").voxels);
  EXPECT_NE(ras.err.find("positive click at voxel (40.0, 30.0, 20.0)"), std::string::npos) << ras.err;
  // The table on stdout: the target's volume as in report.json; logs stay on stderr.
  std::ifstream in(f.dir + "/ras/report.json");
  auto t = nlohmann::json::parse(in)["metrics"]["cases"][0]["targets"][0];
  EXPECT_NE(ras.out.find(fmt::format("{:.3f}", t["values"]["volume_ml"].get<double>())), std::string::npos) << ras.out;
  EXPECT_EQ(ras.out.find("[info]"), std::string::npos);
}

// Click counts 10 and 3: lists in ascending numeric order (a dictionary keyed "10", "3" sorted as text).
TEST(SegAnyPetInferInterface, ClickCountsAreInNumericOrderAndTheDiceTableIsOnStdout) {
  const auto& f = files();
  auto r = infer(shell_quote(f.pet) + " --checkpoint " + shell_quote(f.model) + " --gt " + shell_quote(f.lesions) +
                     " --set 'eval_clicks=[10,3,1]' --set max_crops=1",
                 f.dir + "/order");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::ifstream in(f.dir + "/order/report.json");
  const auto m = nlohmann::json::parse(in)["metrics"];
  EXPECT_EQ(m["eval_clicks"], nlohmann::json({1, 3, 10}));
  ASSERT_EQ(m["dice_mean"].size(), 3u);
  // Independent mean over the targets, and the same numbers in the stdout table.
  for (size_t k = 0; k < 3; ++k) {
    double sum = 0;
    int n = 0;
    for (const auto& t : m["cases"][0]["targets"])
      if (t["dice"][k].is_number()) sum += t["dice"][k].get<double>(), ++n;
    EXPECT_NEAR(m["dice_mean"][k].get<double>(), sum / n, 1e-12);
    const auto row = fmt::format("{:>6} {:>10.4f}", m["eval_clicks"][k].get<int>(), m["dice_mean"][k].get<double>());
    EXPECT_NE(r.out.find(row), std::string::npos) << row << "\n" << r.out;
  }
  const auto table = r.out.substr(r.out.find("clicks  mean Dice"));
  EXPECT_LT(table.find("\n     1 "), table.find("\n     3 ")) << table;
  EXPECT_LT(table.find("\n     3 "), table.find("\n    10 ")) << table;
}

// nnU-Net's convention: a folder of NIfTI files in, <case>.nii.gz masks + cases.csv + summary.json out,
// each mask equal to a single-image run of that case; --gt as a folder of label maps.
TEST(SegAnyPetInferInterface, FolderInFolderOut) {
  const auto& f = files();
  const auto in = f.dir + "/cases", gts = f.dir + "/gts";
  fs::create_directories(in);
  fs::create_directories(gts);
  fs::copy_file(f.pet, in + "/alpha.nii.gz");
  fs::copy_file(f.pet, in + "/beta.nii.gz");
  fs::copy_file(f.lesions, gts + "/alpha.nii.gz");
  fs::copy_file(f.lesions, gts + "/beta.nii.gz");
  const std::string ck = " --checkpoint " + shell_quote(f.model);
  auto r = infer(shell_quote(in) + ck + " --point 40,30,20", f.dir + "/folder");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto one = infer(shell_quote(f.pet) + ck + " --point 40,30,20", f.dir + "/single");
  ASSERT_EQ(one.exit_code, 0) << one.err;
  const auto single = img::read_volume(f.dir + "/single/mask.nii.gz").voxels;
  for (const char* c : {"alpha", "beta"}) {
    EXPECT_EQ(img::read_volume(f.dir + "/folder/" + c + ".nii.gz").voxels, single) << c;
    EXPECT_TRUE(fs::exists(f.dir + "/folder/" + c + "_overlay.png")) << c;  // beside each mask
  }
  const auto csv = labkit::read_file(f.dir + "/folder/cases.csv");
  EXPECT_EQ(csv.find("case,image,mask,label,volume_ml,mean,max\nalpha,"), 0u) << csv;
  EXPECT_NE(csv.find("\nbeta," + in + "/beta.nii.gz,beta.nii.gz,1,"), std::string::npos) << csv;
  auto summary = nlohmann::json::parse(labkit::read_file(f.dir + "/folder/summary.json"));
  EXPECT_EQ(summary["cases"].size(), 2u);
  EXPECT_EQ(summary["cases"][1]["name"], "beta");
  // Evaluation against a folder of label maps: Dice columns per click count, sharded.
  auto e = infer(shell_quote(in) + ck + " --gt " + shell_quote(gts) + " --set 'eval_clicks=[1,2]' --shard 1/2",
                 f.dir + "/folder_eval");
  ASSERT_EQ(e.exit_code, 0) << e.err;
  EXPECT_FALSE(fs::exists(f.dir + "/folder_eval/alpha.nii.gz"));
  EXPECT_TRUE(fs::exists(f.dir + "/folder_eval/beta.nii.gz"));
  const auto ecsv = labkit::read_file(f.dir + "/folder_eval/cases.csv");
  EXPECT_EQ(ecsv.find("case,image,mask,label,volume_ml,mean,max,dice_1,dice_2,nsd_1,nsd_2\nbeta,"), 0u) << ecsv;
  // A case without its label map is named.
  fs::remove(gts + "/beta.nii.gz");
  expect_bad(shell_quote(in) + ck + " --gt " + shell_quote(gts), "folder_missing_gt",
             gts + ": no label map for case 'beta' (expected beta.nii.gz)");
}
