// seganypet-train's pieces against independent references: the loss against a float64 loop of MONAI's
// formula, click simulation, CPCL's confident-learning/rectification on hand-made probability maps,
// the manifest and data errors.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "clicks.h"
#include "cpcl.h"
#include "dataset.h"
#include "labkit/core/error.h"
#include "labkit/imageio/image.h"
#include "loss.h"
#include "run_command.h"
#include "settings.h"

namespace st = labkit::seganypet_train;
namespace img = labkit::imageio;
namespace fs = std::filesystem;

namespace {

// MONAI DiceCELoss(sigmoid, squared_pred, mean) with a voxel weight, in float64 loops.
double reference_dice_ce(const torch::Tensor& logits, const torch::Tensor& target, const torch::Tensor& weight) {
  auto l = logits.to(torch::kFloat64).contiguous(), t = target.to(torch::kFloat64).contiguous(),
       w = weight.to(torch::kFloat64).contiguous();
  const int64_t B = l.size(0), N = l[0].numel();
  const double* lp = l.data_ptr<double>();
  const double* tp = t.data_ptr<double>();
  const double* wp = w.data_ptr<double>();
  double dice = 0, ce = 0, wsum = 0;
  for (int64_t b = 0; b < B; ++b) {
    double inter = 0, pp = 0, gg = 0;
    for (int64_t i = b * N; i < (b + 1) * N; ++i) {
      const double p = 1 / (1 + std::exp(-lp[i]));
      inter += wp[i] * p * tp[i], pp += wp[i] * p * p, gg += wp[i] * tp[i] * tp[i];
      ce += wp[i] * -(tp[i] * std::log(p) + (1 - tp[i]) * std::log(1 - p));
      wsum += wp[i];
    }
    dice += 1 - (2 * inter + 1e-5) / (pp + gg + 1e-5);
  }
  return dice / B + ce / wsum;
}

}  // namespace

TEST(SegAnyPetTrainUnits, DiceCeMatchesFloat64Reference) {
  torch::manual_seed(3);
  auto logits = torch::randn({2, 1, 6, 5, 4}) * 3;
  auto target = (torch::rand({2, 1, 6, 5, 4}) > 0.6).to(torch::kFloat32);
  auto ones = torch::ones_like(target);
  EXPECT_NEAR(st::dice_ce_loss(logits, target).item<double>(), reference_dice_ce(logits, target, ones), 1e-5);
  auto weight = (torch::rand({2, 1, 6, 5, 4}) > 0.3).to(torch::kFloat32);
  EXPECT_NEAR(st::dice_ce_loss(logits, target, weight).item<double>(), reference_dice_ce(logits, target, weight), 1e-5);
  // A perfect, confident prediction has a loss near 0; the opposite one a large loss.
  auto perfect = (target * 2 - 1) * 20;
  EXPECT_LT(st::dice_ce_loss(perfect, target).item<double>(), 1e-3);
  EXPECT_GT(st::dice_ce_loss(-perfect, target).item<double>(), 10.0);
}

TEST(SegAnyPetTrainUnits, ClicksComeFromTheErrorRegion) {
  std::mt19937_64 rng(1);
  auto target = torch::zeros({3, 1, 8, 8, 8});
  target.index_put_({0, 0, torch::indexing::Slice(2, 5), torch::indexing::Slice(2, 5), torch::indexing::Slice(2, 5)}, 1);
  target.index_put_({1, 0, torch::indexing::Slice(0, 4)}, 1);
  // Item 0: no prediction yet -> a positive click inside the target.
  // Item 1: prediction covers the target plus a false-positive slab -> a negative click in the slab.
  // Item 2: empty target, empty prediction -> a negative click somewhere.
  auto pred = torch::zeros_like(target);
  pred.index_put_({1, 0, torch::indexing::Slice(0, 6)}, 1);
  for (int trial = 0; trial < 20; ++trial) {
    auto c = st::next_clicks(pred, target, rng);
    ASSERT_EQ(c.points.sizes().vec(), (std::vector<int64_t>{3, 1, 3}));
    auto p0 = c.points[0][0];
    EXPECT_EQ(c.labels[0][0].item<int64_t>(), 1);
    EXPECT_EQ(target[0][0][p0[0].item<int64_t>()][p0[1].item<int64_t>()][p0[2].item<int64_t>()].item<float>(), 1.0f);
    auto p1 = c.points[1][0];
    EXPECT_EQ(c.labels[1][0].item<int64_t>(), 0);
    EXPECT_GE(p1[0].item<float>(), 4.0f);
    EXPECT_LT(p1[0].item<float>(), 6.0f);
    EXPECT_EQ(c.labels[2][0].item<int64_t>(), 0);
  }
  // Missed foreground -> positive clicks there.
  auto under = target.clone();
  under.index_put_({1, 0, torch::indexing::Slice(0, 2)}, 0);
  auto c = st::next_clicks(under, target, rng);
  EXPECT_EQ(c.labels[1][0].item<int64_t>(), 1);
  EXPECT_LT(c.points[1][0][0].item<float>(), 2.0f);
}

// A noisy label that misses a slab of the object: maps that all agree on the object flip the missed voxels
// (confident, low variance); where they disagree the voxels are ignored; elsewhere the label stays.
TEST(SegAnyPetTrainUnits, RectificationFlipsConfidentErrorsAndIgnoresUncertainOnes) {
  const int64_t S = 10;
  auto truth = torch::zeros({1, 1, S, S, S});
  truth.index_put_({0, 0, torch::indexing::Slice(2, 8), torch::indexing::Slice(2, 8), torch::indexing::Slice(2, 8)}, 1);
  auto noisy = truth.clone();
  noisy.index_put_({0, 0, torch::indexing::Slice(2, 4)}, 0);  // under-segmented: x in [2, 4) missing
  std::vector<torch::Tensor> maps;
  for (int m = 0; m < 6; ++m) {
    auto p = truth * 0.95 + (1 - truth) * 0.02;
    // Voxels x == 7 inside the object: the maps disagree (0.9 / 0.1 alternately) -> uncertain.
    p.index_put_({0, 0, 7, torch::indexing::Slice(2, 8), torch::indexing::Slice(2, 8)}, m % 2 ? 0.1 : 0.9);
    // A false-positive shell at x == 8: mean 0.75 over the label-0 voxels would need p >= t1: keep it low.
    maps.push_back(p);
  }
  auto r = st::rectify_labels(torch::stack(maps, 0), noisy);
  using torch::indexing::Slice;
  // Missed slab: flipped to foreground.
  EXPECT_TRUE(r.target.index({0, 0, Slice(2, 4), Slice(2, 8), Slice(2, 8)}).eq(1).all().item<bool>());
  EXPECT_TRUE(r.weight.index({0, 0, Slice(2, 4), Slice(2, 8), Slice(2, 8)}).eq(1).all().item<bool>());
  // Background far away and the agreed object interior: unchanged, weight 1.
  EXPECT_TRUE(r.target.index({0, 0, Slice(4, 7), Slice(2, 8), Slice(2, 8)}).eq(1).all().item<bool>());
  EXPECT_EQ(r.target.index({0, 0, 0, 0, 0}).item<float>(), 0.0f);
  EXPECT_EQ(r.flipped, 2.0 * 6 * 6);
  // The rectified label is never empty (upstream's precedence bug made it always empty).
  EXPECT_GT(r.target.sum().item<double>(), 0.0);
  // Closer to the truth than the noisy label.
  EXPECT_LT((r.target - truth).abs().sum().item<double>(), (noisy - truth).abs().sum().item<double>());
}

TEST(SegAnyPetTrainUnits, UncertainFlaggedVoxelsAreIgnored) {
  const int64_t S = 8;
  auto y = torch::zeros({1, 1, S, S, S});
  y.index_put_({0, 0, torch::indexing::Slice(2, 6), torch::indexing::Slice(2, 6), torch::indexing::Slice(2, 6)}, 1);
  // Every map says background at voxel (5,5,5) of the label, but with very different confidence, while the
  // rest of the object is predicted with identical maps (zero variance) -> that voxel is flagged and
  // more uncertain than the object's mean -> ignored, label kept.
  std::vector<torch::Tensor> maps;
  for (int m = 0; m < 4; ++m) {
    auto p = y * 0.9 + (1 - y) * 0.15;  // background confidence t0 = 0.85
    p.index_put_({0, 0, 5, 5, 5}, m % 2 ? 0.0 : 0.2);  // mean 0.1: 1 - p = 0.9 >= t0, variance 0.01
    maps.push_back(p);
  }
  auto r = st::rectify_labels(torch::stack(maps, 0), y);
  EXPECT_EQ(r.flagged, 1.0);
  EXPECT_EQ(r.ignored, 1.0);
  EXPECT_EQ(r.weight[0][0][5][5][5].item<float>(), 0.0f);
  EXPECT_EQ(r.target[0][0][5][5][5].item<float>(), 1.0f);
}

TEST(SegAnyPetTrainUnits, ManifestErrorsNameTheProblem) {
  const auto dir = labkit::test::fresh_temp_dir("seganypet_train_manifest");
  fs::create_directories(dir);
  auto write = [&](const std::string& text) {
    std::ofstream(dir + "/m.json") << text;
    return dir + "/m.json";
  };
  auto expect_error = [&](const std::string& text, const std::string& needle) {
    try {
      st::read_manifest(write(text));
      ADD_FAILURE() << "no error for " << text;
    } catch (const labkit::InputError& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  expect_error("{", "not valid JSON");
  expect_error("{\"cases\": []}", "at least one case");
  expect_error("{\"cases\": [{\"image\": \"a.nii\", \"label\": \"b.nii\"}]}", "does not exist");
  expect_error("{\"cases\": [{\"image\": \"a.nii\"}]}", "needs \"image\" and \"label\"");
  expect_error("{\"cases\": [{\"image\": \"a.nii\", \"label\": \"b.nii\", \"colour\": 1}]}", "unknown key 'colour'");
  expect_error("{\"cases\": [{\"image\": \"a.nii\", \"label\": \"b.nii\", \"quality\": \"meh\"}]}", "quality must be");
}

TEST(SegAnyPetTrainUnits, LabelGridMismatchAndEmptyLabelsAreInputErrors) {
  const auto dir = labkit::test::fresh_temp_dir("seganypet_train_data");
  fs::create_directories(dir);
  img::Geometry g;
  g.size = {20, 20, 20};
  g.spacing = {1.5, 1.5, 1.5};
  auto image = img::make_volume(g, 1.0f);
  img::write_volume(image, dir + "/img.nii.gz");
  auto empty = img::make_volume(g, 0.0f);
  img::write_volume(empty, dir + "/empty.nii.gz", img::PixelType::kUInt8);
  auto g2 = g;
  g2.spacing = {1.5, 1.5, 2.0};
  img::write_volume(img::make_volume(g2, 1.0f), dir + "/other.nii.gz", img::PixelType::kUInt8);
  st::DataSettings ds = st::TrainSettings::defaults().data;
  ds.crop_size = 16;
  ds.min_target_voxels = 1;
  auto load = [&](const std::string& label) {
    st::CaseEntry c;
    c.name = "c";
    c.image = dir + "/img.nii.gz";
    c.label = dir + "/" + label;
    return st::load_samples({c}, "train", ds);
  };
  try {
    load("empty.nii.gz");
    ADD_FAILURE();
  } catch (const labkit::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("empty.nii.gz: label map has no nonzero voxel"), std::string::npos) << e.what();
  }
  try {
    load("other.nii.gz");
    ADD_FAILURE();
  } catch (const labkit::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("other.nii.gz: label grid differs"), std::string::npos) << e.what();
  }
}

TEST(SegAnyPetTrainUnits, SamplesAreCroppedAroundEachLabel) {
  const auto dir = labkit::test::fresh_temp_dir("seganypet_train_crop");
  fs::create_directories(dir);
  img::Geometry g;
  g.size = {40, 30, 30};
  g.spacing = {1.5, 1.5, 1.5};
  auto image = img::make_volume(g, 1.0f), label = img::make_volume(g, 0.0f);
  for (int k = 10; k < 14; ++k)
    for (int j = 10; j < 14; ++j)
      for (int i = 5; i < 9; ++i) label.at(i, j, k) = 1, image.at(i, j, k) = 5;
  for (int k = 20; k < 23; ++k)
    for (int j = 5; j < 8; ++j)
      for (int i = 30; i < 33; ++i) label.at(i, j, k) = 2;
  img::write_volume(image, dir + "/img.nii.gz");
  img::write_volume(label, dir + "/lab.nii.gz", img::PixelType::kUInt8);
  st::CaseEntry c{"c", dir + "/img.nii.gz", dir + "/lab.nii.gz", "", false, "train"};
  st::DataSettings ds = st::TrainSettings::defaults().data;
  ds.crop_size = 16;
  ds.min_target_voxels = 1;
  auto samples = st::load_samples({c}, "train", ds);
  ASSERT_EQ(samples.size(), 2u);
  EXPECT_EQ(samples[0].label_value, 1);
  EXPECT_FALSE(samples[0].high_quality);
  EXPECT_EQ(samples[0].label.sum().item<double>(), 64.0);
  EXPECT_EQ(samples[1].label.sum().item<double>(), 27.0);
  EXPECT_EQ(samples[0].image.sizes().vec(), (std::vector<int64_t>{1, 16, 16, 16}));
  // Without a clean label the exact label is the training label.
  EXPECT_TRUE(samples[0].clean.equal(samples[0].label));
  // z-normalised over voxels > 0.
  auto pos = samples[0].image.masked_select(samples[0].image != samples[0].image.min());
  EXPECT_GT(samples[0].image.max().item<double>(), 1.0);
  // A too-small target is skipped.
  ds.min_target_voxels = 30;
  EXPECT_EQ(st::load_samples({c}, "train", ds).size(), 1u);
}

// The competence gate: models that still predict nothing would flag every label voxel as noise and erase
// the label; with the gate (ensemble-vs-label Dice below min_agreement) the label is kept as it is.
TEST(SegAnyPetTrainUnits, UntrainedModelsDoNotEraseLabels) {
  auto y = torch::zeros({1, 1, 8, 8, 8});
  y.index_put_({0, 0, torch::indexing::Slice(2, 6), torch::indexing::Slice(2, 6), torch::indexing::Slice(2, 6)}, 1);
  std::vector<torch::Tensor> maps;
  for (int m = 0; m < 4; ++m) maps.push_back(y * 0.02 + (1 - y) * 0.05);  // "nothing here", everywhere
  auto ungated = st::rectify_labels(torch::stack(maps, 0), y, 0.0);
  EXPECT_EQ(ungated.target.sum().item<double>(), 0.0);  // what the gate prevents
  auto gated = st::rectify_labels(torch::stack(maps, 0), y, 0.5);
  EXPECT_TRUE(gated.target.equal(y));
  EXPECT_TRUE(gated.weight.eq(1).all().item<bool>());
  EXPECT_EQ(gated.rectified_samples, 0);
  EXPECT_EQ(gated.samples, 1);
}
