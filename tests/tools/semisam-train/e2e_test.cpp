// semisam-train end to end on a tiny synthetic task: synth, supervised / MT / UA-MT / MT + SemiSAM+
// training with validation and curves in report.json, SIGTERM then --resume equal to an uninterrupted
// run, predict in the input's geometry, and bad input (exit 2 naming the file or key).
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "labkit/core/atomic_file.h"
#include "labkit/imageio/image.h"
#include "labkit/sammed3d/checkpoint.h"
#include "run_command.h"
#include "temp_dir.h"

namespace fs = std::filesystem;
namespace img = labkit::imageio;
using labkit::test::run_command;
using labkit::test::shell_quote;

namespace {

const std::string kBin = std::string(LABKIT_BIN_DIR) + "/semisam-train";

nlohmann::json read_json(const std::string& path) { return nlohmann::json::parse(labkit::read_file(path)); }

// 6 volumes of 32 x 32 x 16 (4 train, 1 val, 1 test).
const std::string& task_dir() {
  static std::string dir = [] {
    const auto d = labkit::test::fresh_temp_dir("semisam_e2e");
    auto r = run_command(kBin + " synth --cases 6 --val 1 --test 1 --seed 2 --threads 1 --set synth.size=[32,32,16] "
                                "--set synth.spacing=[2,2,4] --out " + shell_quote(d + "/task"));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return d;
  }();
  return dir;
}

// Width 2, patch 16 x 32 x 32 (tensor order z, y, x): well under a second per iteration.
const std::string kQuick =
    " --threads 1 --set network.width=2 --set patch=[16,32,32] --set eval.stride=[16,16,16] --set labeled_num=2"
    " --set consistency_rampup=2 --set rampup_step=1";

labkit::test::CommandResult train(const std::string& args, const std::string& out) {
  return run_command(kBin + " --manifest " + shell_quote(task_dir() + "/task/manifest.json") + kQuick + " " + args +
                     " --out " + shell_quote(out));
}

std::string generalist() {
  const auto path = task_dir() + "/generalist.safetensors";
  if (!fs::exists(path)) labkit::sammed3d::save_model(*labkit::sammed3d::init_model(labkit::sammed3d::SamConfig::tiny(), 1), path);
  return path;
}

}  // namespace

TEST(SemisamE2E, SynthWritesAManifestOfLabeledVolumes) {
  const auto m = read_json(task_dir() + "/task/manifest.json");
  ASSERT_EQ(m["cases"].size(), 6u);
  EXPECT_EQ(m["cases"][4]["split"], "val");
  EXPECT_EQ(m["cases"][5]["split"], "test");
  const auto v = img::read_volume(task_dir() + "/task/la000.nii.gz");
  EXPECT_EQ(v.geometry.size, (std::array<int64_t, 3>{32, 32, 16}));
  EXPECT_DOUBLE_EQ(v.geometry.spacing[2], 4.0);
}

TEST(SemisamE2E, EachMethodTrainsAndReportsCurvesAndMetrics) {
  for (const std::string& method : {"supervised", "mt", "uamt", "dan"}) {
    const auto out = task_dir() + "/" + method;
    auto r = train("--set method=" + method + " --set max_iterations=4 --set validate_every=2 --set uamt_passes=2" +
                       " --set dan.filters=4",
                   out);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto rep = read_json(out + "/report.json");
    const auto& curves = rep["curves"];
    ASSERT_EQ(curves["loss"].size(), 4u) << method;
    EXPECT_EQ(curves["loss"][3][0], 3);
    EXPECT_EQ(curves["val_dice"].size(), 2u);
    EXPECT_EQ(curves["val_dice"][1][0], 4);
    EXPECT_EQ(curves.contains("loss_consistency"), method != "supervised");
    EXPECT_EQ(curves.contains("loss_discriminator"), method == "dan");
    if (method == "dan")  // both halves of the adversarial game are cross entropies of a 2-way softmax
      for (const auto& c : {curves["loss_consistency"], curves["loss_discriminator"]})
        for (const auto& v : c) EXPECT_GT(v[1].get<double>(), 0.0);
    const auto& e = rep["metrics"]["evaluation"];
    EXPECT_EQ(e["split"], "test");
    EXPECT_GE(e["dice"].get<double>(), 0.0);
    EXPECT_LE(e["dice"].get<double>(), 1.0);
    EXPECT_NE(r.out.find("HD95 (voxel)"), std::string::npos) << r.out;
    EXPECT_TRUE(fs::exists(out + "/model.safetensors"));
  }
}

TEST(SemisamE2E, SemisamBranchLoadsTheGeneralistOnce) {
  const auto out = task_dir() + "/semisam";
  auto r = train("--set max_iterations=3 --set semisam.enabled=true --set semisam.clicks=2 --set " +
                     shell_quote("semisam.generalists=[\"" + generalist() + "\"]") + " --json",
                 out);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto m = nlohmann::json::parse(r.out);
  EXPECT_EQ(m["generalists"]["loads"], 1);
  EXPECT_EQ(m["generalists"]["calls"], 3);
  EXPECT_GT(m["generalists"]["load_seconds"].get<double>(), 0.0);
  const auto curves = read_json(out + "/report.json")["curves"];
  EXPECT_EQ(curves["loss_sam"].size(), 3u);
  // A specialist file is no generalist: exit 2 naming it.
  auto bad = train("--set max_iterations=1 --set semisam.enabled=true --set " +
                       shell_quote("semisam.generalists=[\"" + out + "/model.safetensors\"]"),
                   task_dir() + "/bad-generalist");
  EXPECT_EQ(bad.exit_code, 2) << bad.err;
  EXPECT_NE(bad.err.find("model.safetensors"), std::string::npos) << bad.err;
}

// SLURM pre-emption: SIGTERM writes a checkpoint and exits 1; --resume then writes the model an
// uninterrupted run writes, byte for byte, and the same curves. DAN also carries its discriminator and
// the discriminator's Adam state through the checkpoint.
void expect_sigterm_then_resume_equal(const std::string& method, const std::string& name) {
  const std::string common = "--seed 4 --set method=" + method +
                             " --set dan.filters=4 --set max_iterations=16 --set validate_every=8 --set checkpoint_every=3";
  const auto straight = task_dir() + "/straight-" + name, cut = task_dir() + "/cut-" + name;
  ASSERT_EQ(train(common, straight).exit_code, 0);
  const int code = labkit::test::run_and_signal_when(
      kBin + " --manifest " + shell_quote(task_dir() + "/task/manifest.json") + kQuick +
          " " + common + " --out " + shell_quote(cut) + " 2>" + shell_quote(cut + ".err"),
      cut + "/checkpoint/latest.json", SIGTERM);
  const auto err = labkit::read_file(cut + ".err");
  ASSERT_EQ(code, 1) << "the SIGTERM came after training had finished?\n" << err;
  EXPECT_NE(err.find("SIGTERM: stopped before iteration"), std::string::npos) << err;
  EXPECT_FALSE(fs::exists(cut + "/report.json"));
  auto r = train(common + " --resume", cut);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("resuming at iteration"), std::string::npos) << r.err;
  EXPECT_EQ(labkit::read_file(straight + "/model.safetensors"), labkit::read_file(cut + "/model.safetensors"));
  EXPECT_EQ(read_json(straight + "/report.json")["curves"], read_json(cut + "/report.json")["curves"]);
}

TEST(SemisamE2E, SigtermThenResumeEqualsAnUninterruptedRun) { expect_sigterm_then_resume_equal("mt", "mt"); }

TEST(SemisamE2E, SigtermThenResumeEqualsAnUninterruptedRunDan) { expect_sigterm_then_resume_equal("dan", "dan"); }

TEST(SemisamE2E, PredictWritesMasksInTheInputGeometry) {
  // Its own model: ctest runs every test in a process of its own, so another test's model is never there.
  const auto trained = task_dir() + "/predict_model";
  ASSERT_EQ(train("--set method=mt --set max_iterations=2 --set validate_every=2", trained).exit_code, 0);
  const auto model = trained + "/model.safetensors";
  auto r = run_command(kBin + " predict --checkpoint " + shell_quote(model) + " " +
                       shell_quote(task_dir() + "/task/la005.nii.gz") + " --threads 1 --set patch=[16,32,32] "
                       "--set eval.stride=[16,16,16] --out " + shell_quote(task_dir() + "/pred"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto mask = img::read_volume(task_dir() + "/pred/la005_mask.nii.gz");
  const auto image = img::read_volume(task_dir() + "/task/la005.nii.gz");
  EXPECT_TRUE(img::same_geometry(mask.geometry, image.geometry));
  for (float v : mask.voxels) ASSERT_TRUE(v == 0.f || v == 1.f);
}

TEST(SemisamE2E, BadInputExitsTwoNamingTheProblem) {
  const auto d = task_dir();
  auto expect = [&](const labkit::test::CommandResult& r, const std::string& needle) {
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find(needle), std::string::npos) << r.err;
  };
  expect(train("--set labeled_num=9", d + "/bad1"), "labeled_num 9 is larger than the 4 training cases");
  expect(train("--set patch=[16,32,96]", d + "/bad2"), "la000.nii.gz: the patch (16x32x96) is larger");
  expect(train("--set patch=[16,32,30]", d + "/bad3"), "config patch");
  expect(train("--set method=fancy", d + "/bad4"), "method");
  expect(train("--set semisam.enabled=true", d + "/bad5"), "semisam.generalists");
  expect(run_command(kBin + " --out " + shell_quote(d + "/bad6")), "--manifest");
  EXPECT_FALSE(fs::exists(d + "/bad1/model.safetensors"));
}

TEST(SemisamE2E, ProbeGeneralistScoresClicksOnHeldOutPatches) {
  const std::string probe = kBin + " probe-generalist --manifest " + shell_quote(task_dir() + "/task/manifest.json") +
                            " --threads 1 --set patch=[16,32,32] --set eval.stride=[16,16,16] --patches 3 --clicks 1,2 --json --generalist ";
  auto r = run_command(probe + shell_quote(generalist()) + " --out " + shell_quote(task_dir() + "/probe"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto m = nlohmann::json::parse(r.out)["probe"];
  EXPECT_EQ(m["patches"], 3);  // 3 patches of the one test volume
  ASSERT_EQ(m["by_clicks"].size(), 2u);
  for (const auto& row : m["by_clicks"]) {
    EXPECT_GE(row["dice_mean"].get<double>(), 0.0);
    EXPECT_LE(row["dice_mean"].get<double>(), 1.0);
  }
  const double all_fg = m["all_foreground_dice"];
  EXPECT_GT(all_fg, 0.0);
  EXPECT_LT(all_fg, 1.0);
  auto bad = run_command(probe + shell_quote(task_dir() + "/missing.safetensors") + " --out " + shell_quote(task_dir() + "/probe-bad"));
  EXPECT_EQ(bad.exit_code, 2) << bad.err;
  EXPECT_NE(bad.err.find("missing.safetensors"), std::string::npos) << bad.err;
  auto split = run_command(probe + shell_quote(generalist()) + " --split holdout --out " + shell_quote(task_dir() + "/probe-bad2"));
  EXPECT_EQ(split.exit_code, 2) << split.err;
  EXPECT_NE(split.err.find("--split"), std::string::npos) << split.err;
}
