#include "labkit/sammed3d/prompt_encoder.h"

#include <cmath>

namespace labkit::sammed3d {

PositionEmbeddingRandom3DImpl::PositionEmbeddingRandom3DImpl(int64_t num_pos_feats) {
  gaussian = register_buffer("positional_encoding_gaussian_matrix", torch::randn({3, num_pos_feats}));
}

torch::Tensor PositionEmbeddingRandom3DImpl::encode(const torch::Tensor& coords01) {
  auto c = torch::matmul(2 * coords01 - 1, gaussian) * (2 * M_PI);
  auto s = torch::sin(c);
  return torch::cat({s, torch::cos(c), s}, -1);
}

torch::Tensor PositionEmbeddingRandom3DImpl::dense(int64_t g0, int64_t g1, int64_t g2) {
  auto opt = gaussian.options();
  auto i = (torch::arange(g0, opt) + 0.5).view({g0, 1, 1}).expand({g0, g1, g2});
  auto j = (torch::arange(g1, opt) + 0.5).view({1, g1, 1}).expand({g0, g1, g2});
  auto k = (torch::arange(g2, opt) + 0.5).view({1, 1, g2}).expand({g0, g1, g2});
  // Upstream: y = cumsum(dim 0) / size[1], x = cumsum(dim 1) / size[0], stacked as (x, y, z).
  auto coords = torch::stack({j / static_cast<double>(g0), i / static_cast<double>(g1), k / static_cast<double>(g2)}, -1);
  return encode(coords).permute({3, 0, 1, 2});
}

torch::Tensor PositionEmbeddingRandom3DImpl::with_coords(const torch::Tensor& points, int64_t image_size) {
  return encode(points.to(gaussian.scalar_type()) / static_cast<double>(image_size));
}

PromptEncoderImpl::PromptEncoderImpl(const SamConfig& c)
    : embed_dim(c.out_chans), grid(c.grid()), img_size(c.img_size) {
  pe_layer = register_module("pe_layer", PositionEmbeddingRandom3D(c.out_chans / 3));
  point_embeddings = register_module("point_embeddings", torch::nn::ModuleList());
  for (int i = 0; i < 2; ++i) point_embeddings->push_back(torch::nn::Embedding(1, embed_dim));
  not_a_point_embed = register_module("not_a_point_embed", torch::nn::Embedding(1, embed_dim));
  const int64_t m = c.mask_in_chans;
  mask_downscaling = register_module(
      "mask_downscaling",
      torch::nn::Sequential(torch::nn::Conv3d(torch::nn::Conv3dOptions(1, m / 4, 2).stride(2)), LayerNorm3d(m / 4),
                            torch::nn::GELU(), torch::nn::Conv3d(torch::nn::Conv3dOptions(m / 4, m, 2).stride(2)),
                            LayerNorm3d(m), torch::nn::GELU(), torch::nn::Conv3d(torch::nn::Conv3dOptions(m, embed_dim, 1))));
  no_mask_embed = register_module("no_mask_embed", torch::nn::Embedding(1, embed_dim));
}

torch::Tensor PromptEncoderImpl::embed_points(const torch::Tensor& points, const torch::Tensor& labels) {
  auto opt = pe_layer->gaussian.options();
  const int64_t B = points.size(0);
  auto p = torch::cat({points.to(opt) + 0.5, torch::zeros({B, 1, 3}, opt)}, 1);  // padding point after +0.5
  auto l = torch::cat({labels.to(torch::kLong), -torch::ones({B, 1}, labels.options().dtype(torch::kLong))}, 1)
               .to(points.device());
  auto pe = pe_layer->with_coords(p, img_size);
  auto is = [&](int64_t v) { return (l == v).unsqueeze(-1).to(opt.dtype()); };
  auto w = [&](const torch::Tensor& weight) { return weight.view({1, 1, -1}); };
  auto emb = [&](int i) { return point_embeddings[i]->as<torch::nn::Embedding>()->weight; };
  auto pad = is(-1);
  // Upstream: pe[label == -1] = 0; += not_a_point; pe[label == 0] += point_embeddings[0]; [1] += [1].
  return pe * (1 - pad) + pad * w(not_a_point_embed->weight) + is(0) * w(emb(0)) + is(1) * w(emb(1));
}

torch::Tensor PromptEncoderImpl::embed_masks(const torch::Tensor& masks) { return mask_downscaling->forward(masks); }

std::pair<torch::Tensor, torch::Tensor> PromptEncoderImpl::forward(const torch::Tensor& points,
                                                                   const torch::Tensor& labels,
                                                                   const torch::Tensor& masks, int64_t batch) {
  auto opt = pe_layer->gaussian.options();
  int64_t B = points.defined() ? points.size(0) : masks.defined() ? masks.size(0) : batch;
  auto sparse = points.defined() ? embed_points(points, labels) : torch::empty({B, 0, embed_dim}, opt);
  auto dense = masks.defined() ? embed_masks(masks.to(opt))
                               : no_mask_embed->weight.reshape({1, -1, 1, 1, 1}).expand({B, -1, grid, grid, grid});
  return {sparse, dense};
}

torch::Tensor PromptEncoderImpl::dense_pe() { return pe_layer->dense(grid, grid, grid).unsqueeze(0); }

}  // namespace labkit::sammed3d
