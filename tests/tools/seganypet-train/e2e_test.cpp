// seganypet-train end to end: the phantom set, a short training of the tiny model (plain and CPCL), the
// model loading in seganypet-infer, exact --resume, --install-default, and bad input (exit 2).
#include <fmt/format.h>
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
#include "run_command.h"

namespace fs = std::filesystem;
namespace img = labkit::imageio;
using labkit::test::run_command;
using labkit::test::shell_quote;

namespace {

const std::string kTrain = std::string(LABKIT_BIN_DIR) + "/seganypet-train";
const std::string kInfer = std::string(LABKIT_BIN_DIR) + "/seganypet-infer";

// A small phantom set shared by the tests: 6 phantoms at 3 mm, half the training labels low-quality.
const std::string& phantom_dir() {
  static std::string dir = [] {
    const auto d = labkit::test::fresh_temp_dir("seganypet_train_e2e");
    auto r = run_command(kTrain + " phantoms --cases 6 --val-fraction 0.34 --lq-fraction 0.5 --seed 3 --threads 1" +
                         " --set phantom.size=[48,36,84] --set phantom.spacing=[4,4,4] --out " + shell_quote(d + "/ph"));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return d;
  }();
  return dir;
}

nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

// The tiny model (64^3 crops), 3 rounds per step: seconds per epoch on a small machine.
const std::string kQuick = " --threads 1 --set model=tiny --set iterations=3 --set batch_size=2 --set min_target_voxels=20";

labkit::test::CommandResult train(const std::string& args, const std::string& out) {
  return run_command(kTrain + " --manifest " + shell_quote(phantom_dir() + "/ph/manifest.json") + kQuick + " " + args +
                     " --out " + shell_quote(out));
}

}  // namespace

TEST(SegAnyPetTrainE2E, PhantomSetHasManifestSplitsAndNoisyLabels) {
  const auto m = read_json(phantom_dir() + "/ph/manifest.json");
  ASSERT_EQ(m["cases"].size(), 6u);
  int train = 0, val = 0, lq = 0;
  for (const auto& c : m["cases"]) {
    (c["split"] == "train" ? train : val)++;
    if (c["quality"] == "lq") {
      ++lq;
      EXPECT_TRUE(fs::exists(phantom_dir() + "/ph/" + c["clean_label"].get<std::string>()));
      EXPECT_EQ(c["corruptions"].size(), c["lesions"].size());
    }
    EXPECT_GE(c["lesions"].size(), 2u);
  }
  EXPECT_EQ(train, 4);
  EXPECT_EQ(val, 2);
  EXPECT_EQ(lq, 2);
  // The written image keeps the phantom grid, SUV values and integer labels.
  const auto pet = img::read_volume(phantom_dir() + "/ph/case0000_pet.nii.gz");
  EXPECT_EQ(pet.geometry.size, (std::array<int64_t, 3>{48, 36, 84}));
  EXPECT_DOUBLE_EQ(pet.geometry.spacing[2], 4.0);
  const auto rep = read_json(phantom_dir() + "/ph/report.json");
  EXPECT_EQ(rep["metrics"]["phantoms"]["low_quality"], 2);
}

TEST(SegAnyPetTrainE2E, TrainsCpclAndInferLoadsTheModel) {
  const auto out = phantom_dir() + "/cpcl";
  auto r = train("--seed 1 --set epochs=2 --set cpcl.start_epoch=1 --set cpcl.passes=2", out);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto rep = read_json(out + "/report.json");
  const auto& h = rep["metrics"]["history"];
  ASSERT_EQ(h.size(), 2u);
  EXPECT_FALSE(h[0]["cpcl_active"].get<bool>());
  EXPECT_TRUE(h[1]["cpcl_active"].get<bool>());
  EXPECT_TRUE(h[1].contains("cpcl"));
  EXPECT_EQ(h[1]["val_dice"]["clicks"], nlohmann::json({1, 3, 5}));
  ASSERT_EQ(h[1]["val_dice"]["dice"].size(), 3u);
  for (const auto& v : h[1]["val_dice"]["dice"]) {
    EXPECT_GE(v.get<double>(), 0.0);
    EXPECT_LE(v.get<double>(), 1.0);
  }
  // The table on stdout: one row per epoch with the loss and Dice of report.json.
  EXPECT_NE(r.out.find("epoch train_loss    Dice@1    Dice@3    Dice@5\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(fmt::format("{:>5} {:>10.4f} {:>9.4f}", 2, h[1]["train_loss"].get<double>(),
                                   h[1]["val_dice"]["dice"][0].get<double>())),
            std::string::npos) << r.out;
  // report.json "curves" hold the same numbers; scripts/plot_report.py draws them beside report.json.
  const auto& curves = rep["curves"];
  EXPECT_EQ(curves["training loss"]["x"], "epoch");
  EXPECT_EQ(curves["training loss"]["series"]["train_loss"],
            nlohmann::json({{1.0, h[0]["train_loss"]}, {2.0, h[1]["train_loss"]}}));
  EXPECT_EQ(curves["validation Dice"]["series"]["3 clicks"],
            nlohmann::json({{1.0, h[0]["val_dice"]["dice"][1]}, {2.0, h[1]["val_dice"]["dice"][1]}}));
  EXPECT_EQ(curves["validation Dice"]["series"].size(), 3u);  // 1 click, 3 clicks, 5 clicks
  const auto plot = run_command("/usr/bin/python3 " + shell_quote(std::string(LABKIT_SOURCE_DIR) + "/scripts/plot_report.py") +
                                " " + shell_quote(out));
  EXPECT_EQ(plot.exit_code, 0) << plot.err;
  EXPECT_EQ(plot.out, out + "/curves.png\n" + out + "/curves.svg\n");
  EXPECT_NE(labkit::read_file(out + "/curves.svg").find("validation Dice"), std::string::npos);
  EXPECT_TRUE(fs::exists(out + "/config.json"));
  EXPECT_TRUE(fs::exists(out + "/checkpoint/latest.json"));
  EXPECT_TRUE(fs::exists(out + "/checkpoint/epoch-0002/model_b.safetensors"));
  EXPECT_FALSE(fs::exists(out + "/checkpoint/epoch-0001"));  // older checkpoints are removed
  // seganypet-infer evaluates the trained model on a validation phantom.
  auto e = run_command(kInfer + " " + shell_quote(phantom_dir() + "/ph/case0005_pet.nii.gz") + " --gt " +
                       shell_quote(phantom_dir() + "/ph/case0005_label.nii.gz") + " --checkpoint " +
                       shell_quote(out + "/model.safetensors") + " --threads 1 --set eval_clicks=[1] --out " +
                       shell_quote(out + "/eval"));
  EXPECT_EQ(e.exit_code, 0) << e.err;
  // Results are never overwritten without --force.
  auto again = train("--seed 1 --set epochs=1", out);
  EXPECT_EQ(again.exit_code, 2);
  // Fine-tuning: the trained model as init_checkpoint; its sizes win over `model` (set to another size).
  auto ft = train("--seed 1 --set epochs=1 --set cpcl.enabled=false --set model=vit_b_ori --set init_checkpoint=" +
                      shell_quote(out + "/model.safetensors"),
                  phantom_dir() + "/finetune");
  ASSERT_EQ(ft.exit_code, 0) << ft.err;
  const auto ftr = read_json(phantom_dir() + "/finetune/report.json")["metrics"];
  EXPECT_EQ(ftr["model_config"]["img_size"], 64);
  EXPECT_EQ(ftr["parameters"], rep["metrics"]["parameters"]);
}

// SLURM pre-emption: SIGTERM during training stops it (exit 1, no model, no report) with the last epoch
// checkpoint intact; --resume with the same settings writes the model an uninterrupted run writes, byte
// for byte (every random stream comes from seed, epoch, step and rank).
TEST(SegAnyPetTrainE2E, SigtermThenResumeEqualsAnUninterruptedRun) {
  const auto straight = phantom_dir() + "/straight", cut = phantom_dir() + "/cut";
  const std::string common = "--seed 5 --set cpcl.enabled=false --set epochs=4";
  ASSERT_EQ(train(common, straight).exit_code, 0);
  const int code = labkit::test::run_and_signal_when(
      kTrain + " --manifest " + shell_quote(phantom_dir() + "/ph/manifest.json") + kQuick +
          " " + common + " --out " + shell_quote(cut) + " 2>" + shell_quote(cut + ".err"),
      cut + "/checkpoint/latest.json", SIGTERM);
  const auto err = labkit::read_file(cut + ".err");
  ASSERT_EQ(code, 1) << "the SIGTERM came after training had finished?\n" << err;
  EXPECT_NE(err.find("SIGTERM: stopped in epoch"), std::string::npos) << err;
  EXPECT_FALSE(fs::exists(cut + "/model.safetensors"));
  EXPECT_FALSE(fs::exists(cut + "/report.json"));
  auto r = train(common + " --resume", cut);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("resuming after epoch"), std::string::npos) << r.err;
  EXPECT_EQ(labkit::read_file(straight + "/model.safetensors"), labkit::read_file(cut + "/model.safetensors"));
  const auto a = read_json(straight + "/report.json")["metrics"]["history"];
  const auto b = read_json(cut + "/report.json")["metrics"]["history"];
  ASSERT_EQ(b.size(), 4u);
  for (size_t e = 0; e < 4; ++e) {
    EXPECT_EQ(a[e]["val_dice"], b[e]["val_dice"]) << e;
    EXPECT_EQ(a[e]["train_loss"], b[e]["train_loss"]) << e;
  }
  // The curves of the resumed run start at epoch 1, not at the resume.
  EXPECT_EQ(read_json(cut + "/report.json")["curves"], read_json(straight + "/report.json")["curves"]);
  EXPECT_EQ(read_json(cut + "/report.json")["curves"]["training loss"]["series"]["train_loss"].size(), 4u);
}

TEST(SegAnyPetTrainE2E, InstallDefaultIsPickedUpByInfer) {
  const auto out = phantom_dir() + "/default", models = phantom_dir() + "/models";
  auto r = run_command("LABKIT_MODEL_DIR=" + shell_quote(models) + " " + kTrain + " --manifest " +
                       shell_quote(phantom_dir() + "/ph/manifest.json") + kQuick +
                       " --set epochs=1 --set cpcl.enabled=false --install-default --out " + shell_quote(out));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_TRUE(fs::exists(models + "/seganypet/default.safetensors"));
  auto e = run_command("LABKIT_MODEL_DIR=" + shell_quote(models) + " " + kInfer + " " +
                       shell_quote(phantom_dir() + "/ph/case0000_pet.nii.gz") + " --point 20,18,40 --threads 1 --out " +
                       shell_quote(out + "/infer"));
  EXPECT_EQ(e.exit_code, 0) << e.err;
  EXPECT_EQ(read_json(out + "/infer/report.json")["model"]["checkpoint"], models + "/seganypet/default.safetensors");
}

TEST(SegAnyPetTrainE2E, BadInputExitsTwoWithAClearMessage) {
  const auto d = phantom_dir();
  auto expect = [&](const labkit::test::CommandResult& r, const std::string& needle) {
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find(needle), std::string::npos) << r.err;
  };
  expect(train("--set colour=1", d + "/bad1"), "colour");
  expect(train("--set epochs=0", d + "/bad2"), "epochs");
  // A manifest entry that does not exist.
  std::ofstream(d + "/missing.json") << R"({"cases": [{"image": "nope.nii.gz", "label": "ph/case0000_label.nii.gz"}]})";
  expect(run_command(kTrain + " --manifest " + shell_quote(d + "/missing.json") + kQuick + " --out " + shell_quote(d + "/bad3")),
         "nope.nii.gz does not exist");
  // A label on another grid.
  auto lab = img::read_volume(d + "/ph/case0000_label.nii.gz");
  lab.geometry.spacing[0] = 5.0;
  img::write_volume(lab, d + "/shifted_label.nii.gz", img::PixelType::kUInt8);
  std::ofstream(d + "/shifted.json") << R"({"cases": [{"image": "ph/case0000_pet.nii.gz", "label": "shifted_label.nii.gz"}]})";
  expect(run_command(kTrain + " --manifest " + shell_quote(d + "/shifted.json") + kQuick + " --out " + shell_quote(d + "/bad4")),
         "label grid differs");
  // No manifest at all.
  expect(run_command(kTrain + " --out " + shell_quote(d + "/bad5")), "--manifest");
  EXPECT_FALSE(fs::exists(d + "/bad3/model.safetensors"));
}
