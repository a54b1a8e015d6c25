// seganypet-train against hostile input (issue 14): an all-NaN image, out-of-range values, and
// checkpoints that were truncated or edited are bad input (exit 2, the file or key named) on resume.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "labkit/core/atomic_file.h"
#include "labkit/imageio/image.h"
#include "run_command.h"

namespace fs = std::filesystem;
namespace img = labkit::imageio;
using labkit::test::run_command;
using labkit::test::shell_quote;

namespace {

const std::string kTrain = std::string(LABKIT_BIN_DIR) + "/seganypet-train";
const std::string kQuick = " --threads 1 --set model=tiny --set iterations=2 --set batch_size=2 --set min_target_voxels=20";

// 3 small phantoms (2 train, 1 val) at 4 mm.
const std::string& data_dir() {
  static std::string dir = [] {
    const auto d = labkit::test::fresh_temp_dir("seganypet_train_robust");
    auto r = run_command(kTrain + " phantoms --cases 3 --val-fraction 0.34 --lq-fraction 0 --seed 4 --threads 1" +
                         " --set phantom.size=[48,36,84] --set phantom.spacing=[4,4,4] --out " + shell_quote(d + "/ph"));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return d;
  }();
  return dir;
}

labkit::test::CommandResult train(const std::string& manifest, const std::string& args, const std::string& out) {
  return run_command(kTrain + " --manifest " + shell_quote(manifest) + kQuick + " " + args + " --out " + shell_quote(out));
}

void expect_bad(const labkit::test::CommandResult& r, const std::string& needle) {
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find(needle), std::string::npos) << r.err;
}

}  // namespace

TEST(SegAnyPetTrainRobustness, NanImagesAndOutOfRangeValuesAreBadInput) {
  const auto d = data_dir();
  auto pet = img::read_volume(d + "/ph/case0000_pet.nii.gz");
  for (auto& v : pet.voxels) v = NAN;
  img::write_volume(pet, d + "/nan_pet.nii.gz");
  std::ofstream(d + "/nan.json") << R"({"cases": [{"image": "nan_pet.nii.gz", "label": "ph/case0000_label.nii.gz"}]})";
  auto r = train(d + "/nan.json", "--set epochs=1", d + "/nan_out");
  expect_bad(r, d + "/nan_pet.nii.gz: " + std::to_string(pet.voxels.size()) + " of " +
                    std::to_string(pet.voxels.size()) + " voxels are NaN or inf");
  EXPECT_FALSE(fs::exists(d + "/nan_out/model.safetensors"));
  const auto man = d + "/ph/manifest.json";
  int i = 0;
  for (const auto& [set, key] : std::vector<std::pair<std::string, std::string>>{
           {"lr=1e308", "lr"}, {"lr=0", "lr"}, {"weight_decay=-1", "weight_decay"},
           {"decoder_lr_scale=1e300", "decoder_lr_scale"}, {"spacing_mm=0.001", "spacing_mm"},
           {"batch_size=-3", "batch_size"}, {"epochs=99999999999", "epochs"}, {"'lr_milestones=[1.5]'", "lr_milestones"},
           {"'val_clicks=[0]'", "val_clicks"}, {"cpcl.start_epoch=-1", "cpcl.start_epoch"}}) {
    auto c = train(man, "--set " + set, d + "/cfg" + std::to_string(i++));
    expect_bad(c, "config " + key + ":");
    EXPECT_EQ(std::count(c.err.begin(), c.err.end(), '\n'), 1) << c.err;
  }
}

// A finished one-epoch run whose checkpoint is then damaged: --resume with the same config refuses it,
// naming the file, instead of crashing (truncated optimizer state) or finishing at once (epoch 99).
TEST(SegAnyPetTrainRobustness, DamagedCheckpointsAreRefusedOnResume) {
  const auto d = data_dir();
  const auto man = d + "/ph/manifest.json";
  const std::string args = "--seed 2 --set epochs=1 --set cpcl.enabled=false";
  const auto out = d + "/ck";
  ASSERT_EQ(train(man, args, out).exit_code, 0);
  const auto latest = out + "/checkpoint/latest.json";
  const auto original = labkit::read_file(latest);
  // Resuming the intact finished run is fine (nothing left to train).
  auto ok = train(man, args + " --resume", out);
  ASSERT_EQ(ok.exit_code, 0) << ok.err;

  auto j = nlohmann::json::parse(original);
  j["epoch"] = 99;
  labkit::write_file_atomically(latest, j.dump());
  expect_bad(train(man, args + " --resume", out), latest + ": epoch 99 is outside 1..1");
  j = nlohmann::json::parse(original);
  j["history"] = nlohmann::json::array();
  labkit::write_file_atomically(latest, j.dump());
  expect_bad(train(man, args + " --resume", out), latest + ": history has 0 entries for 1 epochs");
  labkit::write_file_atomically(latest, "{\"epoch\": ");
  expect_bad(train(man, args + " --resume", out), latest + ": the checkpoint index is not valid JSON");
  labkit::write_file_atomically(latest, original);

  const auto opt = out + "/checkpoint/epoch-0001/optimizer_a.pt";
  const auto bytes = labkit::read_file(opt);
  labkit::write_file_atomically(opt, bytes.substr(0, bytes.size() / 2));
  auto r = train(man, args + " --resume", out);
  expect_bad(r, opt + ": unreadable optimizer state");
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  labkit::write_file_atomically(opt, bytes);

  const auto model = out + "/checkpoint/epoch-0001/model_a.safetensors";
  const auto mbytes = labkit::read_file(model);
  labkit::write_file_atomically(model, mbytes.substr(0, mbytes.size() - 100));
  expect_bad(train(man, args + " --resume", out), model);
}

// Issue 13.3: --version names every linked library, ITK and GDCM (image I/O) among them, each once.
TEST(SegAnyPetTrainInterface, VersionListsItkAndGdcmOnce) {
  const auto r = labkit::test::run_command(kTrain + " --version");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* name : {"\n  LibTorch ", "\n  ITK 5.", "\n  GDCM 3."}) {
    const auto first = r.out.find(name);
    EXPECT_NE(first, std::string::npos) << name << " missing:\n" << r.out;
    EXPECT_EQ(r.out.find(name, first + 1), std::string::npos) << name << " twice:\n" << r.out;
  }
}
