// seganypet-infer end to end on a generated PET phantom with a tiny random-weight model: prompts,
// evaluation, batch sharding, geometry of the written mask, and every bad-input path (exit 2, no mask).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "labkit/core/atomic_file.h"
#include "labkit/imageio/image.h"
#include "labkit/imageio/png.h"
#include "labkit/torchutil/tensor_files.h"
#include "labkit/tensorio/safetensors.h"
#include "labkit/sammed3d/checkpoint.h"
#include "overlay.h"
#include "sphere_phantom.h"
#include "run_command.h"

namespace fs = std::filesystem;
namespace img = labkit::imageio;
using labkit::test::run_command;
using labkit::test::shell_quote;

namespace {

const std::string kBin = std::string(LABKIT_BIN_DIR) + "/seganypet-infer";

// Phantom + tiny model, made once per test binary run.
struct Fixture {
  std::string dir, pet, lesions, model;
};

const Fixture& fixture() {
  static Fixture f = [] {
    Fixture x;
    x.dir = labkit::test::fresh_temp_dir("seganypet_e2e");
    // In-process (the same code as `make-phantom` and `init-model`): saves two tool launches per test.
    fs::create_directories(x.dir + "/ph");
    fs::create_directories(x.dir + "/m");
    x.pet = x.dir + "/ph/pet.nii.gz";
    x.lesions = x.dir + "/ph/lesions.nii.gz";
    x.model = x.dir + "/m/model.safetensors";
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

nlohmann::json report(const std::string& out) {
  std::ifstream in(out + "/report.json");
  return nlohmann::json::parse(in);
}

std::string out_dir(const std::string& name) { return fixture().dir + "/" + name; }

void expect_bad_input(const std::string& args, const std::string& name, const std::string& message) {
  const auto out = out_dir(name);
  auto r = infer(args, out);
  EXPECT_EQ(r.exit_code, 2) << name << ": " << r.err;
  EXPECT_NE(r.err.find(message), std::string::npos) << name << ": " << r.err;
  EXPECT_FALSE(fs::exists(out + "/mask.nii.gz")) << name;
  EXPECT_FALSE(fs::exists(out + "/report.json")) << name;
}

}  // namespace

TEST(SegAnyPetInfer, EvaluationReportsDiceAndKeepsGeometry) {
  const auto& f = fixture();
  const std::string args = shell_quote(f.pet) + " --checkpoint " + shell_quote(f.model) + " --gt " +
                           shell_quote(f.lesions) + " --set 'eval_clicks=[1,3]' --seed 7";
  auto r = infer(args, out_dir("eval"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = report(out_dir("eval"));
  const auto& m = j["metrics"];
  ASSERT_EQ(m["cases"][0]["targets"].size(), 2u);
  EXPECT_EQ(m["eval_clicks"], nlohmann::json({1, 3}));
  for (const char* metric : {"dice_mean", "nsd_mean"}) {
    ASSERT_EQ(m[metric].size(), 2u) << metric;
    for (const auto& v : m[metric]) {
      EXPECT_GE(v.get<double>(), 0.0);
      EXPECT_LE(v.get<double>(), 1.0);
    }
  }
  EXPECT_EQ(m["cases"][0]["targets"][0]["nsd"].size(), 2u);
  EXPECT_EQ(j["timings"]["encode"]["count"], 2);   // one crop per target, encoded once
  EXPECT_EQ(j["timings"]["decode"]["count"], 6);   // 3 clicks per target
  // Exactly the input's grid.
  auto pet = img::read_volume(f.pet), mask = img::read_volume(out_dir("eval") + "/mask.nii.gz");
  EXPECT_TRUE(img::same_geometry(pet.geometry, mask.geometry, 1e-6));
  for (float v : mask.voxels) EXPECT_TRUE(v == 0 || v == 1 || v == 2);
  // Without clicks the overlay goes through a voxel of the lowest ground-truth label.
  const auto at = m["cases"][0]["overlay"]["voxel"].get<std::array<int64_t, 3>>();
  EXPECT_EQ(img::read_volume(f.lesions).at(at[0], at[1], at[2]), 1.0f);
  EXPECT_TRUE(fs::exists(out_dir("eval") + "/overlay.png"));
  // Seeded: the same seed gives the same clicks and numbers.
  auto r2 = infer(args, out_dir("eval2"));
  ASSERT_EQ(r2.exit_code, 0) << r2.err;
  EXPECT_EQ(report(out_dir("eval2"))["metrics"]["cases"], m["cases"]);
}

TEST(SegAnyPetInfer, VoxelAndMillimetrePointsAgree) {
  const auto& f = fixture();
  auto pet = img::read_volume(f.pet);
  auto w = img::index_to_world(pet.geometry, {40, 30, 20});
  auto w2 = img::index_to_world(pet.geometry, {44, 30, 20});
  const std::string base = shell_quote(f.pet) + " --checkpoint " + shell_quote(f.model);
  auto a = infer(base + " --point 40,30,20 --point 44,30,20,0", out_dir("vox"));
  auto b = infer(base + " --point-mm " + std::to_string(w[0]) + "," + std::to_string(w[1]) + "," + std::to_string(w[2]) +
                     " --point-mm " + std::to_string(w2[0]) + "," + std::to_string(w2[1]) + "," + std::to_string(w2[2]) + ",0",
                 out_dir("mm"));
  ASSERT_EQ(a.exit_code, 0) << a.err;
  ASSERT_EQ(b.exit_code, 0) << b.err;
  auto ma = img::read_volume(out_dir("vox") + "/mask.nii.gz"), mb = img::read_volume(out_dir("mm") + "/mask.nii.gz");
  EXPECT_TRUE(img::same_geometry(ma.geometry, pet.geometry));
  EXPECT_EQ(ma.voxels, mb.voxels);
  auto t = report(out_dir("vox"))["metrics"]["cases"][0]["targets"][0];
  EXPECT_EQ(t["clicks"], 2);
  // Mask statistics in the image's units, recomputed here from the written mask.
  int64_t n = 0;
  double mx = -1e30;
  for (size_t i = 0; i < ma.voxels.size(); ++i)
    if (ma.voxels[i] > 0) ++n, mx = std::max(mx, double(pet.voxels[i]));
  EXPECT_EQ(t["voxels"].get<int64_t>(), n);
  EXPECT_NEAR(t["values"]["volume_ml"].get<double>(), n * 2.0 * 2.5 * 3.0 / 1000.0, 1e-9);
  if (n > 0) EXPECT_NEAR(t["values"]["max"].get<double>(), mx, 1e-5);
}

// overlay.png beside the mask: three panels through the click, coloured exactly where the written mask
// is (the axial panel checked pixel by pixel against mask.nii.gz), not written with overlay=false.
TEST(SegAnyPetInfer, OverlayShowsTheWrittenMaskAtTheClick) {
  const auto& f = fixture();
  const std::string base = shell_quote(f.pet) + " --checkpoint " + shell_quote(f.model) + " --point 40,30,20";
  auto r = infer(base, out_dir("overlay"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(report(out_dir("overlay"))["metrics"]["cases"][0]["overlay"],
            nlohmann::json({{"file", "overlay.png"}, {"voxel", {40, 30, 20}}}));
  const auto pic = img::read_png(out_dir("overlay") + "/overlay.png");
  // The phantom is RPS (x flipped), 80 x 72 x 48 voxels of 2 x 2.5 x 3 mm; shown in LPS at 2 mm per pixel.
  const auto mask = img::reorient(img::read_volume(out_dir("overlay") + "/mask.nii.gz"), "LPS");
  const auto panels = labkit::seganypet_infer::overlay_panels(mask.geometry);
  EXPECT_EQ(pic.width, 80 + 4 + 80 + 4 + 90);
  EXPECT_EQ(pic.height, 90);
  EXPECT_EQ(panels[0].h, 90);  // 72 voxels * 2.5 mm / 2 mm
  const int64_t ci = 79 - 40, cj = 30, ck = 20;  // the click in the LPS grid
  const int64_t xc = ci, yc = static_cast<int64_t>((cj + 0.5) * 2.5 / 2.0);
  int64_t masked = 0, mismatches = 0;
  for (int64_t y = 0; y < panels[0].h; ++y)
    for (int64_t x = 0; x < panels[0].w; ++x) {
      const bool on_cross = (x == xc && std::abs(y - yc) >= 2 && std::abs(y - yc) <= 5) ||
                            (y == yc && std::abs(x - xc) >= 2 && std::abs(x - xc) <= 5);
      if (on_cross) continue;
      const auto c = pic.at(x, y);
      const bool coloured = !(c[0] == c[1] && c[1] == c[2]);
      const bool in_mask = mask.at(x, static_cast<int64_t>((y + 0.5) * 2.0 / 2.5), ck) > 0;
      masked += in_mask;
      mismatches += coloured != in_mask;
    }
  EXPECT_GT(masked, 0) << "the mask crosses the axial slice of the click";
  EXPECT_EQ(mismatches, 0);
  EXPECT_EQ(pic.at(xc + 3, yc), (std::array<std::uint8_t, 3>{255, 255, 0})) << "the click's cross";
  auto off = infer(base + " --set overlay=false", out_dir("no_overlay"));
  ASSERT_EQ(off.exit_code, 0) << off.err;
  EXPECT_FALSE(fs::exists(out_dir("no_overlay") + "/overlay.png"));
  EXPECT_FALSE(report(out_dir("no_overlay"))["metrics"]["cases"][0].contains("overlay"));
}

// A mask reaching the crop faces pulls in neighbouring crops; their masks only add to the first one.
TEST(SegAnyPetInfer, LargeObjectsExtendOverNeighbouringCrops) {
  const auto& f = fixture();
  const std::string base = shell_quote(f.pet) + " --checkpoint " + shell_quote(f.model) + " --point 40,36,24";
  auto one = infer(base + " --set max_crops=1", out_dir("crops1"));
  auto many = infer(base + " --set max_crops=4", out_dir("crops4"));
  ASSERT_EQ(one.exit_code, 0) << one.err;
  ASSERT_EQ(many.exit_code, 0) << many.err;
  auto t1 = report(out_dir("crops1"))["metrics"]["cases"][0]["targets"][0];
  auto t4 = report(out_dir("crops4"))["metrics"]["cases"][0]["targets"][0];
  EXPECT_EQ(t1["crops"], 1);
  EXPECT_GE(t4["crops"].get<int>(), 1);
  EXPECT_LE(t4["crops"].get<int>(), 4);
  auto m1 = img::read_volume(out_dir("crops1") + "/mask.nii.gz"), m4 = img::read_volume(out_dir("crops4") + "/mask.nii.gz");
  int64_t extra = 0;
  for (size_t i = 0; i < m1.voxels.size(); ++i) {
    EXPECT_TRUE(m1.voxels[i] == 0 || m4.voxels[i] == 1);  // superset
    extra += m4.voxels[i] > m1.voxels[i];
  }
  // This random model's first mask reaches the crop faces, so more crops ran and added voxels.
  if (t4["crops"].get<int>() > 1) EXPECT_GT(extra, 0);
  std::cerr << "crops " << t4["crops"] << ", extra voxels " << extra << "\n";
}

// Upstream's z-normalisation removes any global scale of the image, so a unit conversion such as
// Bq/ml -> SUV cannot change the mask (x4: a power of two keeps float arithmetic exact).
TEST(SegAnyPetInfer, GlobalScaleOfTheImageDoesNotChangeTheMask) {
  const auto& f = fixture();
  auto pet = img::read_volume(f.pet);
  for (auto& v : pet.voxels) v *= 4.0f;
  const auto scaled = fixture().dir + "/pet_x4.nii.gz";
  img::write_volume(pet, scaled);
  const std::string ck = " --checkpoint " + shell_quote(f.model) + " --point 40,30,20 --point 44,30,20,0";
  auto a = infer(shell_quote(f.pet) + ck, out_dir("scale1"));
  auto b = infer(shell_quote(scaled) + ck, out_dir("scale4"));
  ASSERT_EQ(a.exit_code, 0) << a.err;
  ASSERT_EQ(b.exit_code, 0) << b.err;
  EXPECT_EQ(img::read_volume(out_dir("scale1") + "/mask.nii.gz").voxels,
            img::read_volume(out_dir("scale4") + "/mask.nii.gz").voxels);
}

TEST(SegAnyPetInfer, PromptFileTargetsGetTheirLabels) {
  const auto& f = fixture();
  const auto prompts = fixture().dir + "/targets.json";
  std::ofstream(prompts) << R"({"targets": [{"label": 4, "points": [{"voxel": [30, 30, 20]}]},
                                            {"label": 9, "points": [{"voxel": [50, 40, 30]}, {"voxel": [52, 40, 30]}]}]})";
  auto r = infer(shell_quote(f.pet) + " --checkpoint " + shell_quote(f.model) + " --prompts " + shell_quote(prompts),
                 out_dir("targets"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto t = report(out_dir("targets"))["metrics"]["cases"][0]["targets"];
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[0]["label"], 4);
  EXPECT_EQ(t[1]["clicks"], 2);
  auto mask = img::read_volume(out_dir("targets") + "/mask.nii.gz");
  for (float v : mask.voxels) EXPECT_TRUE(v == 0 || v == 4 || v == 9);
}

TEST(SegAnyPetInfer, ManifestIsSharded) {
  const auto& f = fixture();
  const auto man = fixture().dir + "/cases.json";
  std::ofstream(man) << nlohmann::json{{"cases", {{{"name", "a"}, {"image", f.pet}, {"gt", f.lesions}},
                                                  {{"name", "b"}, {"image", "ph/pet.nii.gz"}, {"gt", "ph/lesions.nii.gz"}}}}}
                            .dump();
  for (int s = 0; s < 2; ++s) {
    const auto out = out_dir("shard" + std::to_string(s));
    auto r = infer("--manifest " + shell_quote(man) + " --checkpoint " + shell_quote(f.model) +
                       " --set 'eval_clicks=[1]' --shard " + std::to_string(s) + "/2",
                   out);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(fs::exists(out + "/a.mask.nii.gz"), s == 0);
    EXPECT_EQ(fs::exists(out + "/b.mask.nii.gz"), s == 1);
    EXPECT_EQ(report(out)["metrics"]["cases"].size(), 1u);
  }
}

TEST(SegAnyPetInfer, InitModelAndMakePhantomCommands) {
  const auto& f = fixture();
  auto r1 = run_command(kBin + " make-phantom --seed 5 --lesions 2 --out " + shell_quote(out_dir("cmd_ph")));
  auto r2 = run_command(kBin + " init-model --model tiny --seed 1 --out " + shell_quote(out_dir("cmd_m")));
  ASSERT_EQ(r1.exit_code, 0) << r1.err;
  ASSERT_EQ(r2.exit_code, 0) << r2.err;
  // Same seed, same files as the in-process fixture.
  EXPECT_EQ(img::read_volume(out_dir("cmd_ph") + "/pet.nii.gz").voxels, img::read_volume(f.pet).voxels);
  EXPECT_EQ(img::read_volume(out_dir("cmd_ph") + "/lesions.nii.gz").voxels, img::read_volume(f.lesions).voxels);
  auto a = labkit::torchutil::load_safetensors(out_dir("cmd_m") + "/model.safetensors");
  auto b = labkit::torchutil::load_safetensors(f.model);
  ASSERT_EQ(a.size(), b.size());
  for (const auto& [k, v] : a) EXPECT_TRUE(torch::equal(v, b.at(k))) << k;
  EXPECT_EQ(report(out_dir("cmd_m"))["metrics"]["parameters"], 413756);
  auto bad = run_command(kBin + " init-model --model vit_h --out " + shell_quote(out_dir("cmd_bad")));
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("unknown model config 'vit_h'"), std::string::npos) << bad.err;
  // --model is the glossary's name (issue 13); the old --arch still works but is not shown.
  auto old = run_command(kBin + " init-model --arch tiny --seed 1 --out " + shell_quote(out_dir("cmd_m_arch")));
  ASSERT_EQ(old.exit_code, 0) << old.err;
  EXPECT_EQ(labkit::read_file(out_dir("cmd_m_arch") + "/model.safetensors"), labkit::read_file(out_dir("cmd_m") + "/model.safetensors"));
  const auto help = run_command(kBin + " init-model --help").out;
  EXPECT_NE(help.find("--model"), std::string::npos) << help;
  EXPECT_EQ(help.find("--arch"), std::string::npos) << help;
}

// A real DICOM series folder (enhanced multi-frame MR): the mask keeps its grid.
TEST(SegAnyPetInfer, RealFilesKeepTheirGeometry) {
  const std::string data = LABKIT_SHARED_DATA_DIR;
  if (!fs::exists(data + "/medical/philips_mprage.dcm.gz")) GTEST_SKIP() << "shared data not found";
  const auto& f = fixture();
  const auto dcm = fixture().dir + "/dicom";
  fs::create_directories(dcm);
  // Parentheses: run_command appends its own stdout redirection.
  ASSERT_EQ(run_command("(gzip -dc " + shell_quote(data + "/medical/philips_mprage.dcm.gz") + " > " +
                        shell_quote(dcm + "/a.dcm") + ")").exit_code, 0);
  for (const auto& [input, name] : {std::pair<std::string, std::string>{dcm, "real_dicom"}}) {
    auto r = infer(shell_quote(input) + " --checkpoint " + shell_quote(f.model) + " --point 10,10,5", out_dir(name));
    ASSERT_EQ(r.exit_code, 0) << name << ": " << r.err;
    auto in = img::read_volume(input), mask = img::read_volume(out_dir(name) + "/mask.nii.gz");
    EXPECT_TRUE(img::same_geometry(in.geometry, mask.geometry, 1e-5)) << name;
  }
}

TEST(SegAnyPetInfer, BadInputExitsTwoWithoutMask) {
  const auto& f = fixture();
  const std::string ck = " --checkpoint " + shell_quote(f.model);
  const std::string data = LABKIT_SHARED_DATA_DIR;
  if (fs::exists(data + "/medical/example4d.nii.gz"))
    expect_bad_input(shell_quote(data + "/medical/example4d.nii.gz") + ck + " --point 1,1,1", "bad_4d", "expected a 3D");
  expect_bad_input(shell_quote(f.pet) + ck + " --point 80,10,10", "bad_point", "outside the image");
  const auto empty = fixture().dir + "/empty.json";
  std::ofstream(empty).flush();
  expect_bad_input(shell_quote(f.pet) + ck + " --prompts " + shell_quote(empty), "bad_empty_prompts", "not valid JSON");
  expect_bad_input(shell_quote(f.pet) + ck, "bad_no_prompt", "no prompt");

  // A checkpoint with one tensor of the wrong shape.
  auto tensors = labkit::torchutil::load_safetensors(f.model);
  auto meta = labkit::tensorio::SafetensorsFile::open(f.model)->metadata();
  std::map<std::string, torch::Tensor> bad(tensors.begin(), tensors.end());
  bad["mask_decoder.iou_token.weight"] = torch::zeros({1, 24});
  const auto bad_ck = fixture().dir + "/bad.safetensors";
  labkit::torchutil::save_safetensors(bad_ck, bad, meta);
  expect_bad_input(shell_quote(f.pet) + " --checkpoint " + shell_quote(bad_ck) + " --point 40,30,20", "bad_ckpt",
                   "tensor 'mask_decoder.iou_token.weight' has shape [1,24], expected [1,48]");

  // Ground truth on another grid.
  auto gt = img::read_volume(f.lesions);
  gt.geometry.spacing[2] = 2.0;
  const auto bad_gt = fixture().dir + "/gt_other_grid.nii.gz";
  img::write_volume(gt, bad_gt, img::PixelType::kUInt8);
  expect_bad_input(shell_quote(f.pet) + ck + " --gt " + shell_quote(bad_gt), "bad_gt", "geometry differs");

  // No checkpoint and no default model: the message names the expected default path.
  const auto out = out_dir("bad_default");
  auto r = run_command("LABKIT_MODEL_DIR=" + shell_quote(fixture().dir + "/nomodels") + " " + kBin + " " +
                       shell_quote(f.pet) + " --point 40,30,20 --out " + shell_quote(out));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(fixture().dir + "/nomodels/seganypet/default.safetensors does not exist"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(out + "/mask.nii.gz"));
}
