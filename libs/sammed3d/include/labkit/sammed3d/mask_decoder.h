// The SAM-Med3D mask decoder ("MaskDecoder3D" with "TwoWayTransformer3D"): tokens [iou, masks, points]
// attend to the image embedding and back, the embedding is upscaled 4x by transposed convs, and each
// mask token's hypernetwork MLP gives per-voxel weights; an MLP on the IoU token predicts mask quality.
#pragma once

#include <torch/torch.h>

#include <utility>

#include "labkit/sammed3d/config.h"
#include "labkit/sammed3d/layers.h"

namespace labkit::sammed3d {

// Attention with q/k/v projections to embedding_dim / downsample_rate ("Attention" of the transformer).
struct TokenAttentionImpl : torch::nn::Module {
  TokenAttentionImpl(int64_t dim, int64_t heads, int64_t downsample_rate);
  torch::Tensor forward(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v);
  torch::nn::Linear q_proj{nullptr}, k_proj{nullptr}, v_proj{nullptr}, out_proj{nullptr};
  int64_t heads;
};
TORCH_MODULE(TokenAttention);

struct TwoWayBlockImpl : torch::nn::Module {
  TwoWayBlockImpl(const SamConfig& c, bool skip_first_layer_pe);
  // queries (B, T, E), keys (B, N, E) -> updated (queries, keys)
  std::pair<torch::Tensor, torch::Tensor> forward(torch::Tensor queries, torch::Tensor keys,
                                                  const torch::Tensor& query_pe, const torch::Tensor& key_pe);
  TokenAttention self_attn{nullptr}, cross_attn_token_to_image{nullptr}, cross_attn_image_to_token{nullptr};
  torch::nn::LayerNorm norm1{nullptr}, norm2{nullptr}, norm3{nullptr}, norm4{nullptr};
  MLPBlock mlp{nullptr};
  bool skip_first_layer_pe;
};
TORCH_MODULE(TwoWayBlock);

struct TwoWayTransformerImpl : torch::nn::Module {
  explicit TwoWayTransformerImpl(const SamConfig& c);
  // image (B, E, g, g, g), image_pe same shape, tokens (B, T, E) -> (tokens (B, T, E), image (B, g^3, E))
  std::pair<torch::Tensor, torch::Tensor> forward(const torch::Tensor& image, const torch::Tensor& image_pe,
                                                  const torch::Tensor& tokens);
  torch::nn::ModuleList layers;
  TokenAttention final_attn_token_to_image{nullptr};
  torch::nn::LayerNorm norm_final_attn{nullptr};
};
TORCH_MODULE(TwoWayTransformer);

struct MaskDecoderImpl : torch::nn::Module {
  explicit MaskDecoderImpl(const SamConfig& c);
  // -> (masks (B, M, L, L, L) low-res logits, iou (B, M)); M = 1 (mask token 0) unless multimask (tokens 1..).
  std::pair<torch::Tensor, torch::Tensor> forward(const torch::Tensor& image_embeddings, const torch::Tensor& image_pe,
                                                  const torch::Tensor& sparse, const torch::Tensor& dense,
                                                  bool multimask_output = false);
  TwoWayTransformer transformer{nullptr};
  torch::nn::Embedding iou_token{nullptr}, mask_tokens{nullptr};
  torch::nn::Sequential output_upscaling{nullptr};
  torch::nn::ModuleList output_hypernetworks_mlps;
  MLP iou_prediction_head{nullptr};
  int64_t num_mask_tokens;
};
TORCH_MODULE(MaskDecoder);

}  // namespace labkit::sammed3d
