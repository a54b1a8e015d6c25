#include "labkit/torchutil/runtime.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "labkit/core/error.h"
#include "labkit/core/threads.h"

TEST(TorchRuntime, ParseDevice) {
  EXPECT_TRUE(labkit::torchutil::parse_device("cpu").is_cpu());
  EXPECT_THROW(labkit::torchutil::parse_device("tpu"), labkit::InputError);
  EXPECT_THROW(labkit::torchutil::parse_device("cuda:x"), labkit::InputError);
  if (labkit::torchutil::cuda_device_count() == 0)
    EXPECT_THROW(labkit::torchutil::parse_device("cuda"), labkit::InputError);
  else
    EXPECT_TRUE(labkit::torchutil::parse_device("cuda:0").is_cuda());
}

TEST(TorchRuntime, SeedRepeatsRandomNumbers) {
  labkit::torchutil::apply_threads_and_seed(1, 123);
  const auto a = torch::randn({4});
  EXPECT_EQ(torch::get_num_threads(), 1);
  labkit::torchutil::apply_threads_and_seed(0, 123);
  EXPECT_TRUE(torch::equal(a, torch::randn({4})));
  EXPECT_EQ(torch::get_num_threads(), labkit::default_thread_count()) << "0 means every CPU we may use";
}

TEST(TorchRuntime, VersionsNameLibTorchAndBlas) {
  const auto v = labkit::torchutil::versions();
  ASSERT_FALSE(v.empty());
  EXPECT_EQ(v[0].first, "LibTorch");
  EXPECT_EQ(v[0].second.substr(0, 1) >= "1", true);
  bool has_blas = false;
  for (const auto& [k, val] : v) has_blas |= k == "BLAS";
  EXPECT_TRUE(has_blas);
}
