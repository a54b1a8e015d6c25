// The 3D Swin transformer encoder of MONAI's Swin UNETR (monai.networks.nets.swin_unetr.SwinTransformer,
// version 1 as PUIR's SSLHead uses it): patch embedding by a strided conv, four stages of window attention
// with shifted windows (every second block), each followed by patch merging. Module names are MONAI's
// (patch_embed.proj, layers1.0.blocks.0.attn.qkv, ...), so a state_dict maps one to one.
//
// MONAI behaviours kept on purpose (a checkpoint trained upstream depends on them):
//  - a stage whose input is no larger than the window along an axis uses the input size as the window
//    there and does not shift along it; the relative position bias is then read from the first n x n
//    entries of the full window's index table (monai WindowAttention), not re-indexed;
//  - patch merging (mode "merging") concatenates the eight 2x2x2 neighbours as MONAI's PatchMerging does,
//    which takes two of them twice (x2 == x5, x3 == x6) and never the other two.
#pragma once

#include <torch/torch.h>

#include <array>
#include <vector>

namespace labkit::puir_train {

using Window = std::array<int64_t, 3>;

// The window and shift a stage of spatial size `size` uses (MONAI get_window_size).
void fit_window(const Window& size, Window& window, Window& shift);

// Window partition / reverse of (B, D, H, W, C) tensors whose sizes are multiples of the window.
torch::Tensor window_partition(const torch::Tensor& x, const Window& w);
torch::Tensor window_reverse(const torch::Tensor& windows, const Window& w, int64_t b, int64_t d, int64_t h, int64_t wd);

// The -100 / 0 attention mask of shifted windows over a padded grid (MONAI compute_mask): (nW, N, N).
torch::Tensor shifted_window_mask(const Window& padded, const Window& window, const Window& shift);

struct WindowAttentionImpl : torch::nn::Module {
  WindowAttentionImpl(int64_t dim, int64_t heads, const Window& window);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& mask);  // (B*nW, N, C)
  int64_t heads;
  double scale;
  torch::Tensor relative_position_bias_table, relative_position_index;
  torch::nn::Linear qkv{nullptr}, proj{nullptr};
};
TORCH_MODULE(WindowAttention);

struct SwinBlockImpl : torch::nn::Module {
  SwinBlockImpl(int64_t dim, int64_t heads, const Window& window, const Window& shift);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& mask);  // (B, D, H, W, C)
  Window window, shift;
  torch::nn::LayerNorm norm1{nullptr}, norm2{nullptr};
  WindowAttention attn{nullptr};
  torch::nn::Linear linear1{nullptr}, linear2{nullptr};  // MONAI MLPBlock "mlp"
};
TORCH_MODULE(SwinBlock);

struct PatchMergingImpl : torch::nn::Module {
  explicit PatchMergingImpl(int64_t dim);
  torch::Tensor forward(const torch::Tensor& x);  // (B, D, H, W, C) -> (B, ceil(D/2), .., 2C)
  torch::nn::LayerNorm norm{nullptr};
  torch::nn::Linear reduction{nullptr};
};
TORCH_MODULE(PatchMerging);

// One stage: `depth` blocks (shift on odd ones), then patch merging. (B, C, D, H, W) in and out.
struct SwinStageImpl : torch::nn::Module {
  SwinStageImpl(int64_t dim, int64_t depth, int64_t heads, const Window& window);
  torch::Tensor forward(const torch::Tensor& x);
  Window window;
  torch::nn::ModuleList blocks{nullptr};
  PatchMerging downsample{nullptr};
};
TORCH_MODULE(SwinStage);

struct SwinSpec {
  int64_t in_channels = 0, embed_dim = 0, patch = 0;
  Window window{};
  std::vector<int64_t> depths, heads;
};

// hidden_states_out: the patch embedding and each stage's output, each channel-wise layer-normalised
// without affine parameters (MONAI proj_out with normalize=True). For 96^3 input, patch 2 and embed 48:
// (B,48,48^3), (B,96,24^3), (B,192,12^3), (B,384,6^3), (B,768,3^3).
struct SwinEncoderImpl : torch::nn::Module {
  explicit SwinEncoderImpl(const SwinSpec& spec);
  std::vector<torch::Tensor> forward(const torch::Tensor& x);
  torch::nn::Conv3d patch_embed{nullptr};  // MONAI patch_embed.proj
  std::vector<SwinStage> layers;           // MONAI layers1..layers4, each a ModuleList of one BasicLayer
};
TORCH_MODULE(SwinEncoder);

}  // namespace labkit::puir_train
