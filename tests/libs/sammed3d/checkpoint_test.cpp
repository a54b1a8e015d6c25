// safetensors checkpoints: round trip with the config in the metadata, and every loader error.
#include <gtest/gtest.h>

#include <filesystem>

#include "labkit/core/error.h"
#include "labkit/sammed3d/checkpoint.h"
#include "labkit/torchutil/tensor_files.h"
#include "temp_dir.h"

namespace sm = labkit::sammed3d;
namespace fs = std::filesystem;

namespace {

std::string tmp_path(const std::string& name) {
  static const std::string dir = labkit::test::fresh_temp_dir("sammed3d_ckpt");
  return dir + "/" + name;
}

std::string error_of(const std::string& path) {
  try {
    sm::load_model(path);
  } catch (const labkit::InputError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(SamCheckpoint, RoundTripKeepsConfigAndOutputs) {
  torch::NoGradGuard ng;
  auto c = sm::SamConfig::tiny();
  c.depth = 2;
  c.global_attn_indexes = {1};
  auto a = sm::init_model(c, 7);
  const auto path = tmp_path("tiny.safetensors");
  sm::save_model(*a, path);
  EXPECT_EQ(sm::read_checkpoint_config(path), c);
  auto b = sm::load_model(path);
  auto x = torch::randn({1, 1, c.img_size, c.img_size, c.img_size});
  EXPECT_TRUE(torch::equal(a->encode(x), b->encode(x)));
  // Same seed, same model; the Gaussian PE buffer is random at init and must come from the file.
  auto a2 = sm::init_model(c, 7), a3 = sm::init_model(c, 8);
  EXPECT_TRUE(torch::equal(a2->prompt_encoder->pe_layer->gaussian, a->prompt_encoder->pe_layer->gaussian));
  EXPECT_FALSE(torch::equal(a3->prompt_encoder->pe_layer->gaussian, b->prompt_encoder->pe_layer->gaussian));
  sm::load_weights(*a3, path);
  EXPECT_TRUE(torch::equal(a3->prompt_encoder->pe_layer->gaussian, b->prompt_encoder->pe_layer->gaussian));
}

TEST(SamCheckpoint, NamesMissingWrongAndUnexpectedTensors) {
  auto c = sm::SamConfig::tiny();
  auto m = sm::init_model(c, 1);
  auto sd = sm::state_dict(*m);
  const std::string meta = c.to_json().dump();

  auto missing = sd;
  missing.erase("mask_decoder.iou_token.weight");
  auto p1 = tmp_path("missing.safetensors");
  labkit::torchutil::save_safetensors(p1, missing, {{sm::kConfigMetadataKey, meta}});
  EXPECT_NE(error_of(p1).find(p1 + ": missing tensor 'mask_decoder.iou_token.weight' (expected shape [1,48])"),
            std::string::npos) << error_of(p1);

  auto wrong = sd;
  wrong["image_encoder.blocks.0.attn.rel_pos_d"] = torch::zeros({27, 16});
  auto p2 = tmp_path("wrong.safetensors");
  labkit::torchutil::save_safetensors(p2, wrong, {{sm::kConfigMetadataKey, meta}});
  EXPECT_NE(error_of(p2).find("tensor 'image_encoder.blocks.0.attn.rel_pos_d' has shape [27,16], expected [11,16]"),
            std::string::npos) << error_of(p2);

  auto extra = sd;
  extra["image_encoder.blocks.9.norm1.weight"] = torch::ones({48});
  auto p3 = tmp_path("extra.safetensors");
  labkit::torchutil::save_safetensors(p3, extra, {{sm::kConfigMetadataKey, meta}});
  EXPECT_NE(error_of(p3).find("unexpected tensor 'image_encoder.blocks.9.norm1.weight'"), std::string::npos);

  // A tiny file read as vit_b_ori (no config metadata) fails on the first shape with a clear message.
  auto p4 = tmp_path("noconfig.safetensors");
  labkit::torchutil::save_safetensors(p4, sd);
  EXPECT_NE(error_of(p4).find("expected ["), std::string::npos) << error_of(p4);

  auto p5 = tmp_path("badmeta.safetensors");
  labkit::torchutil::save_safetensors(p5, sd, {{sm::kConfigMetadataKey, "{not json"}});
  EXPECT_NE(error_of(p5).find("is not JSON"), std::string::npos);
}
