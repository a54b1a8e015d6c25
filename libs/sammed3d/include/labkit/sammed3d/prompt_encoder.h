// The SAM-Med3D prompt encoder ("PromptEncoder3D"): random-Fourier positional encoding of points and
// of the token grid, learned point-label embeddings, and the mask-prompt downscaling convs.
#pragma once

#include <torch/torch.h>

#include <utility>

#include "labkit/sammed3d/config.h"
#include "labkit/sammed3d/layers.h"

namespace labkit::sammed3d {

// pe(c) = [sin(2pi(2c-1)G), cos(2pi(2c-1)G), sin(2pi(2c-1)G)] with G the (3, F) Gaussian buffer
// `positional_encoding_gaussian_matrix` (the sin block repeated, as upstream).
struct PositionEmbeddingRandom3DImpl : torch::nn::Module {
  explicit PositionEmbeddingRandom3DImpl(int64_t num_pos_feats);
  torch::Tensor encode(const torch::Tensor& coords01);  // (..., 3) in [0, 1] -> (..., 3F)
  // (3F, g0, g1, g2); voxel (i, j, k) encodes ((j+.5)/g0, (i+.5)/g1, (k+.5)/g2): axes 0 and 1 swapped.
  torch::Tensor dense(int64_t g0, int64_t g1, int64_t g2);
  // Points (B, N, 3) in input voxel units, divided per axis by image_size (not swapped) -> (B, N, 3F).
  torch::Tensor with_coords(const torch::Tensor& points, int64_t image_size);
  torch::Tensor gaussian;  // buffer "positional_encoding_gaussian_matrix"
};
TORCH_MODULE(PositionEmbeddingRandom3D);

struct PromptEncoderImpl : torch::nn::Module {
  explicit PromptEncoderImpl(const SamConfig& c);
  // points (B, N, 3) float voxel coordinates in the crop tensor's axis order, labels (B, N) with
  // 1 = foreground, 0 = background, -1 = padding. A padding point is appended (no boxes exist here).
  // -> (B, N + 1, E)
  torch::Tensor embed_points(const torch::Tensor& points, const torch::Tensor& labels);
  // (B, 1, L, L, L) low-res mask logits, L = 4 * grid -> (B, E, g, g, g)
  torch::Tensor embed_masks(const torch::Tensor& masks);
  // Upstream forward: sparse (B, N+1, E) or (B, 0, E) without points; dense from the masks, or
  // no_mask_embed broadcast when masks is undefined. batch = B when both are undefined.
  std::pair<torch::Tensor, torch::Tensor> forward(const torch::Tensor& points, const torch::Tensor& labels,
                                                  const torch::Tensor& masks, int64_t batch = 1);
  torch::Tensor dense_pe();  // (1, E, g, g, g)

  PositionEmbeddingRandom3D pe_layer{nullptr};
  torch::nn::ModuleList point_embeddings;  // {0: negative, 1: positive}, each Embedding(1, E)
  torch::nn::Embedding not_a_point_embed{nullptr}, no_mask_embed{nullptr};
  torch::nn::Sequential mask_downscaling{nullptr};
  int64_t embed_dim, grid, img_size;
};
TORCH_MODULE(PromptEncoder);

}  // namespace labkit::sammed3d
