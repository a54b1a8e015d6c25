// The 3D ViT image encoder of SAM-Med3D ("ImageEncoderViT3D"): Conv3d patch embedding + absolute
// position embedding, `depth` blocks with decomposed 3D relative position (windowed or global attention),
// and a conv neck to out_chans. (B, 1, S, S, S) -> (B, out_chans, S/p, S/p, S/p).
#pragma once

#include <torch/torch.h>

#include <array>

#include "labkit/sammed3d/config.h"
#include "labkit/sammed3d/layers.h"

namespace labkit::sammed3d {

// Multi-head self-attention over a (B, D, H, W, C) token grid with upstream's 3D decomposed relative
// position bias, quirky axis placement included (see add_rel_pos in the source).
struct ViTAttentionImpl : torch::nn::Module {
  ViTAttentionImpl(int64_t dim, int64_t num_heads, int64_t input_size);
  // Attention for the query rows [0, real) of each axis only (all key rows still take part); returns
  // (B, real_d, real_h, real_w, C). real = {D, H, W} is the plain full computation.
  torch::Tensor forward(const torch::Tensor& x, std::array<int64_t, 3> real);
  torch::nn::Linear qkv{nullptr}, proj{nullptr};
  torch::Tensor rel_pos_d, rel_pos_h, rel_pos_w;
  int64_t num_heads;
};
TORCH_MODULE(ViTAttention);

struct ViTBlockImpl : torch::nn::Module {
  // window_size 0 = global attention over the whole grid (of edge `grid`).
  ViTBlockImpl(const SamConfig& c, int64_t window_size);
  torch::Tensor forward(const torch::Tensor& x);
  torch::nn::LayerNorm norm1{nullptr}, norm2{nullptr};
  ViTAttention attn{nullptr};
  MLPBlock mlp{nullptr};
  int64_t window_size;
  // When the padded grid is a single window, only the real query rows are computed (exact: padded
  // rows are cropped away after attention; padded tokens stay as keys/values). false forces the full
  // upstream computation (tests compare both).
  bool real_rows_only = true;
};
TORCH_MODULE(ViTBlock);

struct ImageEncoderImpl : torch::nn::Module {
  explicit ImageEncoderImpl(const SamConfig& c);
  torch::Tensor forward(const torch::Tensor& image);
  void set_real_rows_only(bool on);
  torch::nn::Conv3d patch_proj{nullptr};  // registered as patch_embed.proj
  torch::Tensor pos_embed;
  torch::nn::ModuleList blocks;
  torch::nn::Sequential neck{nullptr};
};
TORCH_MODULE(ImageEncoder);

}  // namespace labkit::sammed3d
