// Model configs and the upstream state_dict layout of vit_b_ori (names and shapes, parameter count).
#include <gtest/gtest.h>

#include <fstream>

#include "labkit/core/error.h"
#include "labkit/sammed3d/model.h"

namespace sm = labkit::sammed3d;

TEST(SamConfig, VitBOriMatchesUpstreamStateDict) {
  // data/vit_b_ori_keys.json comes from the Python reference's own table (reference/make_key_table.py).
  std::ifstream in(std::string(LABKIT_SOURCE_DIR) + "/tests/libs/sammed3d/data/vit_b_ori_keys.json");
  ASSERT_TRUE(in.good());
  auto table = nlohmann::json::parse(in);
  torch::NoGradGuard ng;
  sm::Sam3D model(sm::SamConfig::vit_b_ori());
  auto sd = sm::state_dict(*model);
  EXPECT_EQ(sd.size(), table.size());
  for (auto it = table.begin(); it != table.end(); ++it) {
    ASSERT_TRUE(sd.count(it.key())) << it.key();
    EXPECT_EQ(sd.at(it.key()).sizes().vec(), it.value().get<std::vector<int64_t>>()) << it.key();
  }
  // Reference note: 100,509,232 parameters + the 384-value Gaussian PE buffer.
  EXPECT_EQ(sm::parameter_count(*model), 100509232);
  EXPECT_EQ(sd.at("prompt_encoder.pe_layer.positional_encoding_gaussian_matrix").numel(), 384);
}

TEST(SamConfig, JsonRoundTripAndErrors) {
  auto t = sm::SamConfig::tiny();
  EXPECT_EQ(sm::SamConfig::from_json(t.to_json()), t);
  EXPECT_EQ(sm::SamConfig::named("vit_b_ori"), sm::SamConfig::vit_b_ori());
  EXPECT_THROW(sm::SamConfig::named("vit_h"), labkit::InputError);
  auto j = t.to_json();
  j["embed_dims"] = 3;
  try {
    sm::SamConfig::from_json(j, "m.json");
    FAIL();
  } catch (const labkit::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("m.json: unknown model config key 'embed_dims'"), std::string::npos);
  }
  j = t.to_json();
  j["out_chans"] = 50;  // not a multiple of 3
  EXPECT_THROW(sm::SamConfig::from_json(j), labkit::InputError);
  j = t.to_json();
  j["global_attn_indexes"] = {7};
  EXPECT_THROW(sm::SamConfig::from_json(j), labkit::InputError);
}

TEST(SamConfig, TinyShapesEndToEnd) {
  torch::NoGradGuard ng;
  auto c = sm::SamConfig::tiny();
  sm::Sam3D m(c);
  m->eval();
  auto emb = m->encode(torch::randn({1, 1, c.img_size, c.img_size, c.img_size}));
  EXPECT_EQ(emb.sizes().vec(), (std::vector<int64_t>{1, c.out_chans, c.grid(), c.grid(), c.grid()}));
  const int64_t L = c.low_res_size();
  auto p = m->decode(emb, torch::tensor({{{10.f, 20.f, 30.f}}}), torch::tensor({{1}}), torch::zeros({1, 1, L, L, L}));
  EXPECT_EQ(p.low_res_logits.sizes().vec(), (std::vector<int64_t>{1, 1, L, L, L}));
  EXPECT_EQ(p.iou.sizes().vec(), (std::vector<int64_t>{1, 1}));
  EXPECT_EQ(m->upscale(p.low_res_logits).size(4), c.img_size);
  // Mask-only prompt (points undefined), as in upstream training's mask-only iterations.
  auto q = m->decode(emb, {}, {}, p.low_res_logits);
  EXPECT_EQ(q.low_res_logits.sizes(), p.low_res_logits.sizes());
}

// seganypet-train and semisam-train train this model: gradients reach every part.
TEST(SamConfig, TinyModelIsTrainable) {
  auto c = sm::SamConfig::tiny();
  torch::manual_seed(3);
  sm::Sam3D m(c);
  m->train();
  const int64_t L = c.low_res_size();
  auto emb = m->encode(torch::randn({2, 1, c.img_size, c.img_size, c.img_size}));
  auto p = m->decode(emb, torch::tensor({{{10.f, 20.f, 30.f}}, {{40.f, 5.f, 9.f}}}), torch::tensor({{1}, {1}}),
                     torch::randn({2, 1, L, L, L}));  // a zero mask prompt gives mask_downscaling.0 no gradient
  auto loss = torch::binary_cross_entropy_with_logits(p.low_res_logits, torch::ones_like(p.low_res_logits)) +
              p.iou.pow(2).mean();
  loss.backward();
  auto sd = m->named_parameters(true);
  for (const char* k : {"image_encoder.pos_embed", "image_encoder.blocks.0.attn.rel_pos_d",
                        "image_encoder.patch_embed.proj.weight", "prompt_encoder.point_embeddings.1.weight",
                        "prompt_encoder.mask_downscaling.0.weight", "mask_decoder.iou_prediction_head.layers.0.weight",
                        "mask_decoder.output_upscaling.0.weight"}) {
    ASSERT_TRUE(sd.contains(k)) << k;
    ASSERT_TRUE(sd[k].grad().defined()) << k;
    EXPECT_GT(sd[k].grad().abs().sum().item<double>(), 0.0) << k;
  }
  // The Gaussian PE matrix is a buffer, not trained.
  EXPECT_FALSE(sd.contains("prompt_encoder.pe_layer.positional_encoding_gaussian_matrix"));
}
