// puir-train end to end on a tiny phantom set (40^3 voxels of 5 mm, t1n and t2w, feature size 12, 32^3 crops):
// phantom files and manifest, training with curves and evaluation in report.json, SIGKILL then --resume
// equal to an uninterrupted run, eval and embed (HDF5), and bad input (exit 2 naming the case and file).
#include <gtest/gtest.h>

#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "labkit/core/atomic_file.h"
#include "labkit/imageio/image.h"
#include "labkit/tensorio/h5.h"
#include "run_command.h"
#include "temp_dir.h"

namespace fs = std::filesystem;
using labkit::test::run_command;
using labkit::test::shell_quote;

namespace {

const std::string kBin = std::string(LABKIT_BIN_DIR) + "/puir-train";
const std::string kTiny =
    " --threads 1 --set network.feature_size=12 --set network.roi=32 --set network.prior_heads=1"
    " --set modalities=[\\\"t1n\\\",\\\"t2w\\\"] --set phantom.size=[40,40,40] --set phantom.spacing_mm=5";

nlohmann::json read_json(const std::string& path) { return nlohmann::json::parse(labkit::read_file(path)); }

// 3 patients (2 training, 1 validation).
const std::string& set_dir() {
  static std::string dir = [] {
    const auto d = labkit::test::fresh_temp_dir("puir_e2e");
    auto r = run_command(kBin + " phantom --cases 3 --val 1 --seed 4" + kTiny + " --out " + shell_quote(d + "/set"));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return d;
  }();
  return dir;
}

std::string manifest() { return set_dir() + "/set/dataset.json"; }

labkit::test::CommandResult train(const std::string& args, const std::string& out) {
  return run_command(kBin + " train --manifest " + shell_quote(manifest()) + kTiny + " " + args + " --out " +
                     shell_quote(out));
}

}  // namespace

TEST(PuirE2E, PhantomWritesEveryModalityOnOneGrid) {
  const auto m = read_json(manifest());
  ASSERT_EQ(m["training"].size(), 2u);
  ASSERT_EQ(m["validation"].size(), 1u);
  const auto& c = m["training"][0];
  const auto t1 = labkit::imageio::read_volume(set_dir() + "/set/" + c["t1n"].get<std::string>());
  const auto t2 = labkit::imageio::read_volume(set_dir() + "/set/" + c["t2w"].get<std::string>());
  const auto seg = labkit::imageio::read_volume(set_dir() + "/set/" + c["seg"].get<std::string>());
  EXPECT_EQ(t1.geometry.size, (std::array<int64_t, 3>{40, 40, 40}));
  EXPECT_TRUE(labkit::imageio::same_geometry(t1.geometry, t2.geometry));
  EXPECT_DOUBLE_EQ(t1.geometry.spacing[0], 5.0);
  // The centre is brain (white matter or a lesion), the corner background noise only.
  EXPECT_GT(t1.at(20, 20, 20), 5 * t1.at(0, 0, 0));
  float max_label = 0;
  for (float v : seg.voxels) max_label = std::max(max_label, v);
  EXPECT_LE(max_label, 3.0f);
}

TEST(PuirE2E, TrainsEvaluatesAndRecordsCurves) {
  labkit::test::TempDir out("puir-train-run");
  auto r = train("--set epochs=1", out / "run");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto report = read_json(out / "run/report.json");
  EXPECT_EQ(report["metrics"]["optimizer_steps"], 2);  // 1 step of 2 patients x 2 modalities
  EXPECT_TRUE(report["curves"].contains("anchor loss"));
  const auto& e = report["metrics"]["evaluation"];
  EXPECT_EQ(e["pairs"]["psnr"]["mean"].size(), 2u);
  EXPECT_GT(e["pairs"]["ssim"]["mean"][0][1].get<double>(), -1.0);
  EXPECT_NE(r.out.find("X_h retrieval top-1"), std::string::npos) << r.out;
  // eval and embed with the trained model.
  auto ev = run_command(kBin + " eval --manifest " + shell_quote(manifest()) + " --checkpoint " +
                        shell_quote(out / "run/model.safetensors") + " --json --threads 1 --out " + shell_quote(out / "eval"));
  ASSERT_EQ(ev.exit_code, 0) << ev.err;
  EXPECT_EQ(nlohmann::json::parse(ev.out)["evaluation"]["pairs"]["mse"]["mean"], e["pairs"]["mse"]["mean"]);
  auto em = run_command(kBin + " embed --manifest " + shell_quote(manifest()) + " --checkpoint " +
                        shell_quote(out / "run/model.safetensors") + " --threads 1 --out " + shell_quote(out / "embed"));
  ASSERT_EQ(em.exit_code, 0) << em.err;
  auto h5 = labkit::tensorio::H5File::open_read(out / "embed/x_h.h5");
  const auto info = labkit::tensorio::array_info(h5, "phantom002/t2w");
  EXPECT_EQ(info.shape, (std::vector<int64_t>{192, 1, 1, 1}));
}

// Data parallel: two ranks over Gloo with one patient each (own --out) train byte-identical replicas, and
// the single-process run with both patients per step gives the same losses and evaluation (float
// summation order aside): the shares, the gathered contrastive negatives and the summed gradients.
// Tolerance 1e-3 relative: AdamW's first updates are about lr * sign(g), so weights whose gradient is near
// zero take float-order noise up to a full step (measured differences 1e-4..3e-4); a rank's missing share,
// negatives or gradients moves these numbers by far more (and un-reduced replicas would differ in bytes).
TEST(PuirE2E, TwoRanksTrainTheSingleProcessModel) {
#ifndef LABKIT_TEST_HAVE_GLOO
  GTEST_SKIP() << "LibTorch without Gloo: no CPU process group";
#endif
  labkit::test::TempDir out("puir-ranks");
  const std::string port = std::to_string(20000 + ::getpid() % 20000);
  const std::string env = "MASTER_ADDR=127.0.0.1 MASTER_PORT=" + port + " WORLD_SIZE=2 OMP_NUM_THREADS=1";
  auto rank = [&](int r) {
    return env + " RANK=" + std::to_string(r) + " " + kBin + " train --manifest " + shell_quote(manifest()) + kTiny +
           " --set epochs=2 --set batch_size=1 --out " + shell_quote(out / ("r" + std::to_string(r)));
  };
  auto r = run_command("(" + rank(0) + " & " + rank(1) + "; s1=$?; wait $!; s0=$?; exit $((s0 | s1)))");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto single = run_command("env -u RANK -u WORLD_SIZE " + kBin + " train --manifest " + shell_quote(manifest()) +
                            kTiny + " --set epochs=2 --set batch_size=2 --out " + shell_quote(out / "single"));
  ASSERT_EQ(single.exit_code, 0) << single.err;
  EXPECT_EQ(labkit::read_file(out / "r0/model.safetensors"), labkit::read_file(out / "r1/model.safetensors"));
  const auto r0 = read_json(out / "r0/report.json"), one = read_json(out / "single/report.json");
  EXPECT_EQ(r0["distributed"]["world_size"], 2);
  EXPECT_EQ(read_json(out / "r1/report.json")["distributed"]["rank"], 1);
  EXPECT_EQ(r0["metrics"]["steps"], 2);  // one step per epoch: both patients at once
  for (const char* term : {"total", "reconstruction", "rotation", "contrastive", "anchor"})
    for (size_t step = 0; step < 2; ++step)
      EXPECT_NEAR(r0["metrics"]["history"][step][term].get<double>(), one["metrics"]["history"][step][term].get<double>(),
                  1e-3 * (1 + std::abs(one["metrics"]["history"][step][term].get<double>())))
          << term << " at step " << step + 1;
  EXPECT_GT(r0["metrics"]["history"][0]["contrastive"].get<double>(), 0.0);  // negatives came from the other rank
  const auto& a = r0["metrics"]["evaluation"]["pairs"]["mse"]["mean"];
  const auto& b = one["metrics"]["evaluation"]["pairs"]["mse"]["mean"];
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i)
    for (size_t j = 0; j < a[i].size(); ++j)
      EXPECT_NEAR(a[i][j].get<double>(), b[i][j].get<double>(), 1e-3 * (1 + std::abs(b[i][j].get<double>())));
}

TEST(PuirE2E, SigkillThenResumeEqualsAStraightRun) {
  labkit::test::TempDir out("puir-resume");
  const std::string common = "--set epochs=2 --set checkpoint_every=1 --set mode=baseline";  // 2 steps, killed after the first checkpoint
  ASSERT_EQ(train(common, out / "straight").exit_code, 0);
  const std::string cut = out / "cut";
  const int code = labkit::test::run_and_signal_when(
      kBin + " train --manifest " + shell_quote(manifest()) + kTiny + " " + common + " --out " + shell_quote(cut) +
          " 2>/dev/null",
      cut + "/checkpoint/latest.json", SIGKILL);
  ASSERT_EQ(code, 128 + SIGKILL) << "training finished before the first checkpoint?";
  EXPECT_FALSE(fs::exists(cut + "/report.json"));
  auto r = train(common + " --resume", cut);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("resuming at step"), std::string::npos) << r.err;
  EXPECT_EQ(labkit::read_file(out / "straight/model.safetensors"), labkit::read_file(cut + "/model.safetensors"));
  EXPECT_EQ(read_json(out / "straight/report.json")["curves"], read_json(cut + "/report.json")["curves"]);
}

TEST(PuirE2E, BadInputExitsTwoNamingCaseAndFile) {
  labkit::test::TempDir out("puir-bad");
  const auto set = set_dir() + "/set/";
  auto m = read_json(manifest());
  auto run_with = [&](const nlohmann::json& manifest_json, const std::string& extra = "") {
    labkit::write_file_atomically(out / "m.json", manifest_json.dump());
    return run_command(kBin + " train --manifest " + shell_quote(out / "m.json") + kTiny + " " + extra + " --out " +
                       shell_quote(out / "run") + " --force");
  };
  auto absolute = [&](nlohmann::json c) {
    for (auto& [k, v] : c.items())
      if (k != "name") v = set + v.get<std::string>();
    return c;
  };
  nlohmann::json j{{"training", {absolute(m["training"][0]), absolute(m["training"][1])}}};
  j["training"][1].erase("t2w");
  auto r = run_with(j);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("m.json: case 1 (phantom001): missing the modality key \"t2w\""), std::string::npos) << r.err;
  // Another grid: a 36^3 volume in place of t2w.
  labkit::imageio::Geometry g;
  g.size = {36, 36, 36};
  labkit::imageio::write_volume(labkit::imageio::make_volume(g, 1), out / "small.nii.gz");
  j = {{"training", {absolute(m["training"][0])}}};
  j["training"][0]["t2w"] = out / "small.nii.gz";
  r = run_with(j);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("small.nii.gz: case phantom000: not on the grid of"), std::string::npos) << r.err;
  // A constant volume: no foreground.
  g.size = {40, 40, 40};
  g.spacing = {5, 5, 5};
  labkit::imageio::write_volume(labkit::imageio::make_volume(g, 7), out / "flat.nii.gz");
  j["training"][0]["t2w"] = out / "flat.nii.gz";
  r = run_with(j);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("flat.nii.gz: case phantom000: empty foreground"), std::string::npos) << r.err;
  // A crop larger than the volume.
  r = run_with({{"training", {absolute(m["training"][0])}}}, "--set network.roi=64");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("case phantom000: the crop (64) is larger than the volume"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(out / "run/report.json"));
}

TEST(PuirE2E, BatchOneNeedsTheUpstreamFlag) {
  labkit::test::TempDir out("puir-b1");
  auto r = train("--set batch_size=1", out / "run");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("config batch_size: 1 makes the contrastive term identically 0"), std::string::npos) << r.err;
}
