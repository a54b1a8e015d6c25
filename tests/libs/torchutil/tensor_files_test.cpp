#include "labkit/torchutil/tensor_files.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "labkit/core/error.h"
#include "run_command.h"

using namespace labkit;
using namespace labkit::tensorio;

namespace {
std::map<std::string, torch::Tensor> sample_tensors() {
  torch::manual_seed(1);
  return {
      {"f32", torch::randn({3, 4})},
      {"f64", torch::randn({5}, torch::kFloat64)},
      {"f16", torch::randn({2, 2}).to(torch::kHalf)},
      {"bf16", torch::randn({2, 3}).to(torch::kBFloat16)},
      {"i64", torch::arange(6, torch::kInt64).reshape({2, 3})},
      {"i32", torch::arange(4, torch::kInt32)},
      {"i16", torch::arange(4, torch::kInt16)},
      {"i8", torch::arange(-2, 2, torch::kInt8)},
      {"u8", torch::arange(4, torch::kUInt8)},
      {"bool", torch::tensor({true, false, true})},
      {"scalar", torch::tensor(3.5)},
  };
}
}  // namespace

TEST(TensorFiles, SafetensorsRoundTripEveryDtype) {
  const std::string dir = test::fresh_temp_dir("torch_st");
  const auto tensors = sample_tensors();
  torchutil::save_safetensors(dir + "/t.safetensors", tensors, {{"producer", "labkit"}});
  const auto loaded = torchutil::load_safetensors(dir + "/t.safetensors");
  ASSERT_EQ(loaded.size(), tensors.size());
  for (const auto& [name, t] : tensors) {
    const auto& l = loaded.at(name);
    EXPECT_EQ(l.scalar_type(), t.scalar_type()) << name;
    EXPECT_EQ(l.sizes(), t.sizes()) << name;
    EXPECT_TRUE(torch::equal(l, t)) << name;  // bit-exact
  }
}

TEST(TensorFiles, ViewOutlivesLoaderScope) {
  const std::string dir = test::fresh_temp_dir("torch_st_alive");
  torchutil::save_safetensors(dir + "/a.safetensors", {{"w", torch::arange(10, torch::kFloat32)}});
  torch::Tensor kept;
  { kept = torchutil::load_safetensors(dir + "/a.safetensors").at("w"); }
  EXPECT_FLOAT_EQ(kept[9].item<float>(), 9.0f);  // the mapping is still alive
}

TEST(TensorFiles, NonContiguousTensorsAreWrittenInLogicalOrder) {
  const std::string dir = test::fresh_temp_dir("torch_st_nc");
  const auto t = torch::arange(6, torch::kFloat32).reshape({2, 3}).t();  // a transposed view
  torchutil::save_safetensors(dir + "/nc.safetensors", {{"t", t}});
  EXPECT_TRUE(torch::equal(torchutil::load_safetensors(dir + "/nc.safetensors").at("t"), t));
}

TEST(TensorFiles, Hdf5RoundTripAndSlab) {
  const std::string dir = test::fresh_temp_dir("torch_h5");
  const auto tensors = sample_tensors();
  {
    auto file = H5File::create(dir + "/t.h5");
    for (const auto& [name, t] : tensors) torchutil::write_tensor(file, "/tensors/" + name, t);
    file.commit();
  }
  auto file = H5File::open_read(dir + "/t.h5");
  for (const auto& [name, t] : tensors) {
    const auto r = torchutil::read_tensor(file, "/tensors/" + name);
    EXPECT_EQ(r.scalar_type(), t.scalar_type()) << name;
    EXPECT_TRUE(torch::equal(r, t)) << name;
  }
  const auto slab = torchutil::read_tensor_slab(file, "/tensors/f32", {1, 1}, {2, 2});
  EXPECT_TRUE(torch::equal(slab, tensors.at("f32").slice(0, 1, 3).slice(1, 1, 3)));
}
