#include "labkit/sammed3d/config.h"

#include <algorithm>
#include <filesystem>

#include "labkit/core/error.h"
#include "labkit/core/json_file.h"

namespace labkit::sammed3d {

SamConfig SamConfig::vit_b_ori() { return SamConfig{}; }

SamConfig SamConfig::tiny() {
  SamConfig c;
  c.img_size = 64;
  c.patch_size = 16;  // 4^3 tokens, padded to one 6^3 window as vit_b_ori pads 8^3 to 14^3
  c.embed_dim = 48;
  c.depth = 3;
  c.num_heads = 3;
  c.mlp_dim = 96;
  c.window_size = 6;
  c.global_attn_indexes = {2};
  c.out_chans = 48;
  c.mask_in_chans = 8;
  c.decoder_depth = 2;
  c.decoder_heads = 4;
  c.decoder_mlp_dim = 96;
  c.iou_head_hidden_dim = 32;
  return c;
}

SamConfig SamConfig::small() {
  SamConfig c;
  c.img_size = 64;
  c.patch_size = 8;  // 8^3 tokens as vit_b_ori, on 64^3 crops (96 mm at 1.5 mm): lesions, not organs
  c.embed_dim = 96;
  c.depth = 4;
  c.num_heads = 4;
  c.mlp_dim = 384;
  c.window_size = 4;  // 8 windows of 4^3 tokens in blocks 0 and 2
  c.global_attn_indexes = {1, 3};
  c.out_chans = 96;
  c.mask_in_chans = 8;
  c.decoder_depth = 2;
  c.decoder_heads = 4;
  c.decoder_mlp_dim = 192;
  c.iou_head_hidden_dim = 64;
  return c;
}

SamConfig SamConfig::named(const std::string& name) {
  if (name == "vit_b_ori") return vit_b_ori();
  if (name == "tiny") return tiny();
  if (name == "small") return small();
  throw InputError("unknown model config '" + name + "' (known: vit_b_ori, small, tiny)");
}

SamConfig SamConfig::named_or_file(const std::string& name_or_path) {
  if (!std::filesystem::is_regular_file(name_or_path)) return named(name_or_path);
  return from_json(read_json_file(name_or_path, "the model config"), name_or_path);
}

void SamConfig::validate(const std::string& what) const {
  auto fail = [&](const std::string& p) { throw input_error(what, p); };
  // Bounds first: sizes come from files (checkpoint metadata, JSON), and a huge one would otherwise
  // reach an allocation (img_size 1048576 ended in std::bad_alloc). vit_b_ori is well inside them.
  const std::pair<const char*, std::pair<int64_t, int64_t>> bounds[] = {
      {"img_size", {1, 512}},        {"patch_size", {1, 512}},          {"in_chans", {1, 16}},
      {"embed_dim", {1, 8192}},      {"depth", {1, 128}},               {"num_heads", {1, 256}},
      {"mlp_dim", {1, 65536}},       {"window_size", {0, 64}},          {"out_chans", {1, 8192}},
      {"mask_in_chans", {1, 1024}},  {"decoder_depth", {1, 64}},        {"decoder_heads", {1, 256}},
      {"decoder_mlp_dim", {1, 65536}}, {"attention_downsample_rate", {1, 64}},
      {"num_multimask_outputs", {0, 16}}, {"iou_head_depth", {1, 64}}, {"iou_head_hidden_dim", {1, 65536}}};
  const auto j = to_json();
  for (const auto& [key, range] : bounds) {
    const int64_t v = j.at(key).get<int64_t>();
    if (v < range.first || v > range.second)
      fail("model config " + std::string(key) + " = " + std::to_string(v) + " is outside [" +
           std::to_string(range.first) + ", " + std::to_string(range.second) + "]");
  }
  if (grid() > 64) fail("model config img_size / patch_size = " + std::to_string(grid()) + " tokens per axis; at most 64");
  if (img_size <= 0 || patch_size <= 0 || img_size % patch_size != 0) fail("img_size must be a multiple of patch_size");
  if (embed_dim <= 0 || num_heads <= 0 || embed_dim % num_heads != 0) fail("embed_dim must be divisible by num_heads");
  if (depth <= 0 || mlp_dim <= 0 || window_size < 0) fail("depth, mlp_dim must be positive, window_size >= 0");
  for (auto i : global_attn_indexes)
    if (i < 0 || i >= depth) fail("global_attn_indexes entry " + std::to_string(i) + " outside [0, depth)");
  if (out_chans <= 0 || out_chans % 3 != 0) fail("out_chans must be a positive multiple of 3 (3D Fourier PE)");
  if (out_chans % 8 != 0) fail("out_chans must be divisible by 8 (upscaling to out_chans/8 channels)");
  if (mask_in_chans < 4 || mask_in_chans % 4 != 0) fail("mask_in_chans must be a multiple of 4");
  const int64_t internal = out_chans / std::max<int64_t>(attention_downsample_rate, 1);
  if (attention_downsample_rate <= 0 || out_chans % attention_downsample_rate != 0 || decoder_heads <= 0 ||
      out_chans % decoder_heads != 0 || internal % decoder_heads != 0)
    fail("out_chans and out_chans/attention_downsample_rate must be divisible by decoder_heads");
  if (decoder_depth <= 0 || decoder_mlp_dim <= 0 || num_multimask_outputs < 0 || iou_head_depth < 1 ||
      iou_head_hidden_dim <= 0)
    fail("decoder sizes must be positive");
}

nlohmann::json SamConfig::to_json() const {
  return {{"img_size", img_size},           {"patch_size", patch_size},
          {"in_chans", in_chans},           {"embed_dim", embed_dim},
          {"depth", depth},                 {"num_heads", num_heads},
          {"mlp_dim", mlp_dim},             {"window_size", window_size},
          {"global_attn_indexes", global_attn_indexes},
          {"out_chans", out_chans},         {"mask_in_chans", mask_in_chans},
          {"decoder_depth", decoder_depth}, {"decoder_heads", decoder_heads},
          {"decoder_mlp_dim", decoder_mlp_dim},
          {"attention_downsample_rate", attention_downsample_rate},
          {"num_multimask_outputs", num_multimask_outputs},
          {"iou_head_depth", iou_head_depth},
          {"iou_head_hidden_dim", iou_head_hidden_dim}};
}

SamConfig SamConfig::from_json(const nlohmann::json& j, const std::string& what) {
  if (!j.is_object()) throw input_error(what, "model config must be a JSON object");
  SamConfig c;
  const nlohmann::json known = c.to_json();
  for (auto it = j.begin(); it != j.end(); ++it)
    if (!known.contains(it.key())) throw input_error(what, "unknown model config key '" + it.key() + "'");
  try {
    auto get = [&](const char* k, int64_t& v) { if (j.contains(k)) v = j.at(k).get<int64_t>(); };
    get("img_size", c.img_size);
    get("patch_size", c.patch_size);
    get("in_chans", c.in_chans);
    get("embed_dim", c.embed_dim);
    get("depth", c.depth);
    get("num_heads", c.num_heads);
    get("mlp_dim", c.mlp_dim);
    get("window_size", c.window_size);
    if (j.contains("global_attn_indexes")) c.global_attn_indexes = j.at("global_attn_indexes").get<std::vector<int64_t>>();
    get("out_chans", c.out_chans);
    get("mask_in_chans", c.mask_in_chans);
    get("decoder_depth", c.decoder_depth);
    get("decoder_heads", c.decoder_heads);
    get("decoder_mlp_dim", c.decoder_mlp_dim);
    get("attention_downsample_rate", c.attention_downsample_rate);
    get("num_multimask_outputs", c.num_multimask_outputs);
    get("iou_head_depth", c.iou_head_depth);
    get("iou_head_hidden_dim", c.iou_head_hidden_dim);
  } catch (const nlohmann::json::exception& e) {
    throw input_error(what, std::string("model config: ") + e.what());
  }
  c.validate(what);
  return c;
}

bool operator==(const SamConfig& a, const SamConfig& b) { return a.to_json() == b.to_json(); }

}  // namespace labkit::sammed3d
