// Sizes of a SAM-Med3D model. vit_b_ori() is the published architecture (SAM-Med3D, SAM-Med3D-turbo,
// SegAnyPET); smaller variants keep the same structure for tests, demos and small-scale training.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace labkit::sammed3d {

struct SamConfig {
  // Image encoder (3D ViT).
  int64_t img_size = 128;     // cubic input crop, voxels
  int64_t patch_size = 16;    // Conv3d kernel = stride
  int64_t in_chans = 1;
  int64_t embed_dim = 768;
  int64_t depth = 12;
  int64_t num_heads = 12;
  int64_t mlp_dim = 3072;     // ViT MLP hidden size (mlp_ratio 4)
  int64_t window_size = 14;   // windowed blocks; global blocks attend over the whole token grid
  std::vector<int64_t> global_attn_indexes{2, 5, 8, 11};
  int64_t out_chans = 384;    // neck output = prompt embedding dim = decoder transformer dim
  // Prompt encoder.
  int64_t mask_in_chans = 16;
  // Mask decoder.
  int64_t decoder_depth = 2;
  int64_t decoder_heads = 8;
  int64_t decoder_mlp_dim = 2048;
  int64_t attention_downsample_rate = 2;
  int64_t num_multimask_outputs = 3;
  int64_t iou_head_depth = 3;
  int64_t iou_head_hidden_dim = 256;

  static SamConfig vit_b_ori();
  // ~0.4 M parameters on 64^3 crops: tests, demos, the random-weight model of `init-model --config tiny`.
  static SamConfig tiny();
  // ~1 M parameters, 64^3 crops with an 8^3 token grid: the default PET lesion model seganypet-train
  // trains on phantoms in minutes on a CPU.
  static SamConfig small();
  // "vit_b_ori", "small" or "tiny"; InputError for any other name.
  static SamConfig named(const std::string& name);
  // A JSON file of sizes (keys as to_json) when `name_or_path` is an existing file, else named().
  static SamConfig named_or_file(const std::string& name_or_path);

  int64_t grid() const { return img_size / patch_size; }         // token grid edge (8 for vit_b_ori)
  int64_t low_res_size() const { return grid() * 4; }             // decoder output / mask prompt edge
  // InputError "<what>: <problem>" when sizes are inconsistent (e.g. out_chans not divisible by 3).
  void validate(const std::string& what = "sammed3d config") const;

  nlohmann::json to_json() const;
  // Unknown keys are an InputError naming `what`; missing keys keep the vit_b_ori value.
  static SamConfig from_json(const nlohmann::json& j, const std::string& what = "sammed3d config");
};

bool operator==(const SamConfig& a, const SamConfig& b);

}  // namespace labkit::sammed3d
