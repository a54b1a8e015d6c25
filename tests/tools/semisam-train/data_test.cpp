// Data: the synthetic task (seeded, exact labels), manifest and HDF5 readers with their bad-input
// errors, upstream's RandomCrop padding and RandomRotFlip, TwoStreamBatchSampler semantics.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "augment.h"
#include "batch_sampler.h"
#include "dataset.h"
#include "labkit/core/error.h"
#include "labkit/tensorio/h5.h"
#include "labkit/torchutil/tensor_files.h"
#include "run_command.h"
#include "temp_dir.h"
#include "synthetic.h"

namespace ss = labkit::semisam_train;
namespace img = labkit::imageio;
namespace fs = std::filesystem;

namespace {

ss::SynthSpec small_spec() {
  ss::SynthSpec s;
  s.size = {32, 28, 20};
  s.spacing = {1.5, 1.5, 3.0};
  s.noise = 0.1;
  s.bias = 0.3;
  return s;
}

// Expects an InputError whose message contains `needle`.
template <typename F>
void expect_input_error(F f, const std::string& needle) {
  try {
    f();
    ADD_FAILURE() << "no error; expected one mentioning " << needle;
  } catch (const labkit::InputError& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

std::string write_task(const std::string& dir, int n) {
  nlohmann::json cases = nlohmann::json::array();
  for (int i = 0; i < n; ++i) {
    const auto c = ss::make_synthetic_case(small_spec(), 100 + i);
    const std::string name = "c" + std::to_string(i);
    img::write_volume(c.image, dir + "/" + name + ".nii.gz");
    img::write_volume(c.label, dir + "/" + name + "_label.nii.gz", img::PixelType::kUInt8);
    cases.push_back({{"name", name}, {"image", name + ".nii.gz"}, {"label", name + "_label.nii.gz"},
                     {"split", i == n - 1 ? "val" : "train"}});
  }
  std::ofstream(dir + "/manifest.json") << nlohmann::json{{"cases", cases}}.dump();
  return dir + "/manifest.json";
}

}  // namespace

TEST(SemisamSynthetic, SeededExactAndPlausible) {
  const auto a = ss::make_synthetic_case(small_spec(), 7), b = ss::make_synthetic_case(small_spec(), 7);
  const auto c = ss::make_synthetic_case(small_spec(), 8);
  EXPECT_EQ(a.image.voxels, b.image.voxels);
  EXPECT_EQ(a.label.voxels, b.label.voxels);
  EXPECT_NE(a.label.voxels, c.label.voxels);
  // Exact labels: 0/1 only, a chamber-sized fraction of the volume, and brighter inside than outside.
  double in = 0, out = 0;
  int64_t n_in = 0;
  for (size_t i = 0; i < a.label.voxels.size(); ++i) {
    ASSERT_TRUE(a.label.voxels[i] == 0.f || a.label.voxels[i] == 1.f);
    if (a.label.voxels[i] > 0) in += a.image.voxels[i], ++n_in;
    else out += a.image.voxels[i];
  }
  EXPECT_EQ(n_in, a.label_voxels);
  const double frac = double(n_in) / a.label.voxels.size();
  EXPECT_GT(frac, 0.03);
  EXPECT_LT(frac, 0.35);
  EXPECT_GT(in / n_in, 1.8 * out / (a.label.voxels.size() - n_in));
}

TEST(SemisamData, ManifestRoundTripAndErrors) {
  const auto dir = labkit::test::fresh_temp_dir("semisam_data");
  const auto manifest = write_task(dir, 3);
  const auto d = ss::read_manifest_dataset(manifest);
  ASSERT_EQ(d.train.size(), 2u);
  ASSERT_EQ(d.val.size(), 1u);
  // Tensor order (z, y, x), spacing reversed, z-scored image, binary label.
  EXPECT_EQ(d.train[0].image.sizes(), (std::vector<int64_t>{20, 28, 32}));
  EXPECT_EQ(d.train[0].spacing, (std::array<double, 3>{3.0, 1.5, 1.5}));
  EXPECT_NEAR(d.train[0].image.mean().item<double>(), 0.0, 1e-4);
  EXPECT_NEAR(d.train[0].image.std().item<double>(), 1.0, 1e-4);
  const auto ref = ss::make_synthetic_case(small_spec(), 100);
  EXPECT_EQ(d.train[0].label.sum().item<int64_t>(), ref.label_voxels);
  EXPECT_EQ(d.train[0].label[5][6][7].item<int>(), int(ref.label.at(7, 6, 5)));

  expect_input_error([&] { ss::check_labeled(d, 3, manifest); }, "labeled_num 3 is larger than the 2 training cases");
  // A label on another grid.
  auto lab = img::read_volume(dir + "/c0_label.nii.gz");
  lab.geometry.spacing[0] = 2.0;
  img::write_volume(lab, dir + "/shifted.nii.gz", img::PixelType::kUInt8);
  std::ofstream(dir + "/bad1.json") << R"({"cases": [{"image": "c0.nii.gz", "label": "shifted.nii.gz"}]})";
  expect_input_error([&] { ss::read_manifest_dataset(dir + "/bad1.json"); }, "shifted.nii.gz: label grid differs");
  // An empty label.
  for (auto& v : lab.voxels) v = 0;
  lab.geometry.spacing[0] = 1.5;
  img::write_volume(lab, dir + "/empty.nii.gz", img::PixelType::kUInt8);
  std::ofstream(dir + "/bad2.json") << R"({"cases": [{"image": "c0.nii.gz", "label": "empty.nii.gz"}]})";
  expect_input_error([&] { ss::read_manifest_dataset(dir + "/bad2.json"); }, "empty.nii.gz: label has no foreground");
  std::ofstream(dir + "/bad3.json") << R"({"cases": [{"image": "nope.nii.gz"}]})";
  expect_input_error([&] { ss::read_manifest_dataset(dir + "/bad3.json"); }, "nope.nii.gz: does not exist");
  std::ofstream(dir + "/bad4.json") << R"({"cases": [{"image": "c0.nii.gz", "split": "val"}]})";
  expect_input_error([&] { ss::read_manifest_dataset(dir + "/bad4.json"); }, "needs a label");
}

TEST(SemisamData, UpstreamHdf5Layouts) {
  const auto dir = labkit::test::fresh_temp_dir("semisam_h5");
  fs::create_directories(dir + "/data/la1");
  torch::manual_seed(0);
  auto image = torch::randn({24, 20, 16});
  auto label = (torch::rand({24, 20, 16}) > 0.7).to(torch::kUInt8);
  for (const std::string& path : {dir + "/data/br1.h5", dir + "/data/la1/mri_norm2.h5"}) {
    auto f = labkit::tensorio::H5File::create(path);
    labkit::torchutil::write_tensor(f, "image", image);
    labkit::torchutil::write_tensor(f, "label", label);
    f.commit();
  }
  std::ofstream(dir + "/train.txt") << "br1\nla1\n";
  std::ofstream(dir + "/test.txt") << "br1.h5\n";
  const auto d = ss::read_h5_dataset(dir);
  ASSERT_EQ(d.train.size(), 2u);
  ASSERT_EQ(d.test.size(), 1u);
  EXPECT_TRUE(d.val.empty());
  // Stored (w, h, d) with d fastest; held as (d, h, w) like the NIfTI volumes, values unchanged.
  EXPECT_TRUE(torch::equal(d.train[1].image, image.permute({2, 1, 0}).contiguous()));
  EXPECT_TRUE(torch::equal(d.train[0].label, label.permute({2, 1, 0}).contiguous()));
  std::ofstream(dir + "/train.txt") << "br1\nmissing\n";
  expect_input_error([&] { ss::read_h5_dataset(dir); }, "missing.h5: does not exist");
}

TEST(SemisamAugment, CropPaddingIsUpstreams) {
  // (patch - size) // 2 + 3 on every axis once any axis is no larger than the patch (Python floor division).
  EXPECT_EQ(ss::crop_padding({100, 120, 80}, {112, 112, 80}), (std::array<int64_t, 3>{9, 0, 3}));
  EXPECT_EQ(ss::crop_padding({113, 140, 100}, {112, 112, 80}), (std::array<int64_t, 3>{0, 0, 0}));
  EXPECT_EQ(ss::crop_padding({113, 112, 81}, {112, 112, 80}), (std::array<int64_t, 3>{2, 3, 2}));
  std::mt19937_64 rng(1);
  ss::Sample s{torch::arange(1, 10 * 12 * 14 + 1, torch::kFloat32).view({10, 12, 14}),
               torch::ones({10, 12, 14}, torch::kUInt8)};
  std::set<int64_t> starts;
  for (int i = 0; i < 200; ++i) {
    const auto c = ss::random_crop(s, {16, 8, 8}, rng);
    ASSERT_EQ(c.image.sizes(), (std::vector<int64_t>{16, 8, 8}));
    // Padding carries label 0 and image 0; real voxels keep their label 1.
    ASSERT_TRUE(torch::equal(c.label.to(torch::kBool), c.image != 0));
    starts.insert(static_cast<int64_t>(c.image.max().item<float>()));
  }
  EXPECT_GT(starts.size(), 3u);
}

TEST(SemisamAugment, RotFlipMovesImageAndLabelTogether) {
  std::mt19937_64 rng(2);
  auto image = torch::rand({4, 6, 6});
  ss::Sample s{image, (image > 0.5).to(torch::kUInt8)};
  std::set<std::string> seen;
  for (int i = 0; i < 50; ++i) {
    const auto r = ss::random_rot_flip(s, rng);
    ASSERT_TRUE(torch::equal(r.label, (r.image > 0.5).to(torch::kUInt8)));
    ASSERT_NEAR(r.image[2].sum().item<double>(), image[2].sum().item<double>(), 1e-4);  // in-plane only: slices stay slices
    seen.insert(std::to_string(r.image[0][0][0].item<float>()));
  }
  EXPECT_GE(seen.size(), 4u);
}

TEST(SemisamSampler, TwoStreamSemantics) {
  const std::vector<int64_t> labeled{0, 1, 2, 3, 4}, unlabeled{5, 6, 7};
  ss::TwoStreamBatchSampler s(labeled, unlabeled, 4, 2, 9);
  EXPECT_EQ(s.batches_per_epoch(), 2);  // 5 // 2, the incomplete group dropped
  for (int64_t epoch = 0; epoch < 3; ++epoch) {
    std::set<int64_t> lab;
    std::vector<int64_t> stream;
    for (int64_t b = 0; b < 2; ++b) {
      const auto batch = s.batch(epoch * 2 + b);
      ASSERT_EQ(batch.size(), 4u);
      for (int i = 0; i < 2; ++i) EXPECT_TRUE(lab.insert(batch[i]).second) << "labeled index repeated in an epoch";
      for (int i = 2; i < 4; ++i) stream.push_back(batch[i]);
    }
    // The unlabeled stream: the first 3 form a permutation, the next one starts another.
    EXPECT_EQ(std::set<int64_t>(stream.begin(), stream.begin() + 3), std::set<int64_t>(unlabeled.begin(), unlabeled.end()));
    for (auto i : lab) EXPECT_LT(i, 5);
  }
  EXPECT_EQ(s.batch(3), ss::TwoStreamBatchSampler(labeled, unlabeled, 4, 2, 9).batch(3));  // a function of (seed, t)
  EXPECT_NE(s.batch(0), ss::TwoStreamBatchSampler(labeled, unlabeled, 4, 2, 10).batch(0));
}
