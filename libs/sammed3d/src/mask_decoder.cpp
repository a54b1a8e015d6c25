#include "labkit/sammed3d/mask_decoder.h"

#include <cmath>

namespace labkit::sammed3d {
namespace {
torch::nn::LayerNorm layer_norm(int64_t dim) { return torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim}).eps(1e-5)); }
}  // namespace

TokenAttentionImpl::TokenAttentionImpl(int64_t dim, int64_t heads_, int64_t downsample_rate) : heads(heads_) {
  const int64_t internal = dim / downsample_rate;
  q_proj = register_module("q_proj", torch::nn::Linear(dim, internal));
  k_proj = register_module("k_proj", torch::nn::Linear(dim, internal));
  v_proj = register_module("v_proj", torch::nn::Linear(dim, internal));
  out_proj = register_module("out_proj", torch::nn::Linear(internal, dim));
}

torch::Tensor TokenAttentionImpl::forward(const torch::Tensor& q_in, const torch::Tensor& k_in, const torch::Tensor& v_in) {
  auto split = [&](const torch::Tensor& x) {
    return x.reshape({x.size(0), x.size(1), heads, x.size(2) / heads}).transpose(1, 2);
  };
  auto q = split(q_proj(q_in)), k = split(k_proj(k_in)), v = split(v_proj(v_in));
  auto attn = torch::matmul(q, k.permute({0, 1, 3, 2})) / std::sqrt(static_cast<double>(q.size(3)));
  auto out = torch::matmul(attn.softmax(-1), v).transpose(1, 2);
  return out_proj(out.reshape({out.size(0), out.size(1), -1}));
}

TwoWayBlockImpl::TwoWayBlockImpl(const SamConfig& c, bool skip) : skip_first_layer_pe(skip) {
  const int64_t E = c.out_chans;
  self_attn = register_module("self_attn", TokenAttention(E, c.decoder_heads, 1));
  norm1 = register_module("norm1", layer_norm(E));
  cross_attn_token_to_image = register_module("cross_attn_token_to_image", TokenAttention(E, c.decoder_heads, c.attention_downsample_rate));
  norm2 = register_module("norm2", layer_norm(E));
  mlp = register_module("mlp", MLPBlock(E, c.decoder_mlp_dim, /*relu=*/true));
  norm3 = register_module("norm3", layer_norm(E));
  norm4 = register_module("norm4", layer_norm(E));
  cross_attn_image_to_token = register_module("cross_attn_image_to_token", TokenAttention(E, c.decoder_heads, c.attention_downsample_rate));
}

std::pair<torch::Tensor, torch::Tensor> TwoWayBlockImpl::forward(torch::Tensor queries, torch::Tensor keys,
                                                                 const torch::Tensor& query_pe, const torch::Tensor& key_pe) {
  if (skip_first_layer_pe) {
    queries = self_attn(queries, queries, queries);  // no residual in the first layer (upstream)
  } else {
    auto q = queries + query_pe;
    queries = queries + self_attn(q, q, queries);
  }
  queries = norm1(queries);
  auto q = queries + query_pe, k = keys + key_pe;
  queries = norm2(queries + cross_attn_token_to_image(q, k, keys));
  queries = norm3(queries + mlp(queries));
  q = queries + query_pe;
  k = keys + key_pe;
  keys = norm4(keys + cross_attn_image_to_token(k, q, queries));
  return {queries, keys};
}

TwoWayTransformerImpl::TwoWayTransformerImpl(const SamConfig& c) {
  layers = register_module("layers", torch::nn::ModuleList());
  for (int64_t i = 0; i < c.decoder_depth; ++i) layers->push_back(TwoWayBlock(c, i == 0));
  final_attn_token_to_image = register_module("final_attn_token_to_image",
                                              TokenAttention(c.out_chans, c.decoder_heads, c.attention_downsample_rate));
  norm_final_attn = register_module("norm_final_attn", layer_norm(c.out_chans));
}

std::pair<torch::Tensor, torch::Tensor> TwoWayTransformerImpl::forward(const torch::Tensor& image, const torch::Tensor& image_pe,
                                                                       const torch::Tensor& tokens) {
  auto keys = image.flatten(2).permute({0, 2, 1});
  auto key_pe = image_pe.flatten(2).permute({0, 2, 1});
  auto queries = tokens;
  for (const auto& l : *layers) std::tie(queries, keys) = l->as<TwoWayBlock>()->forward(queries, keys, tokens, key_pe);
  queries = queries + final_attn_token_to_image(queries + tokens, keys + key_pe, keys);
  return {norm_final_attn(queries), keys};
}

MaskDecoderImpl::MaskDecoderImpl(const SamConfig& c) : num_mask_tokens(c.num_multimask_outputs + 1) {
  const int64_t E = c.out_chans;
  transformer = register_module("transformer", TwoWayTransformer(c));
  iou_token = register_module("iou_token", torch::nn::Embedding(1, E));
  mask_tokens = register_module("mask_tokens", torch::nn::Embedding(num_mask_tokens, E));
  output_upscaling = register_module(
      "output_upscaling",
      torch::nn::Sequential(torch::nn::ConvTranspose3d(torch::nn::ConvTranspose3dOptions(E, E / 4, 2).stride(2)),
                            LayerNorm3d(E / 4), torch::nn::GELU(),
                            torch::nn::ConvTranspose3d(torch::nn::ConvTranspose3dOptions(E / 4, E / 8, 2).stride(2)),
                            torch::nn::GELU()));
  output_hypernetworks_mlps = register_module("output_hypernetworks_mlps", torch::nn::ModuleList());
  for (int64_t i = 0; i < num_mask_tokens; ++i) output_hypernetworks_mlps->push_back(MLP(E, E, E / 8, 3));
  iou_prediction_head = register_module("iou_prediction_head", MLP(E, c.iou_head_hidden_dim, num_mask_tokens, c.iou_head_depth));
}

std::pair<torch::Tensor, torch::Tensor> MaskDecoderImpl::forward(const torch::Tensor& image_embeddings,
                                                                 const torch::Tensor& image_pe, const torch::Tensor& sparse,
                                                                 const torch::Tensor& dense, bool multimask_output) {
  const int64_t B = sparse.size(0);
  auto out_tokens = torch::cat({iou_token->weight, mask_tokens->weight}, 0).unsqueeze(0).expand({B, -1, -1});
  auto tokens = torch::cat({out_tokens, sparse}, 1);
  auto src = image_embeddings.size(0) != B ? image_embeddings.repeat_interleave(B, 0) : image_embeddings;
  src = src + dense;
  auto pos = image_pe.size(0) != B ? image_pe.repeat_interleave(B, 0) : image_pe;
  const int64_t c = src.size(1), x = src.size(2), y = src.size(3), z = src.size(4);
  auto [hs, keys] = transformer(src, pos, tokens);
  auto iou_out = hs.select(1, 0);
  auto up = output_upscaling->forward(keys.transpose(1, 2).reshape({B, c, x, y, z}));
  std::vector<torch::Tensor> hyper;
  for (int64_t i = 0; i < num_mask_tokens; ++i)
    hyper.push_back(output_hypernetworks_mlps[i]->as<MLP>()->forward(hs.select(1, 1 + i)));
  auto hyper_in = torch::stack(hyper, 1);
  const int64_t uc = up.size(1), ux = up.size(2), uy = up.size(3), uz = up.size(4);
  auto masks = torch::matmul(hyper_in, up.view({B, uc, ux * uy * uz})).view({B, -1, ux, uy, uz});
  auto iou = iou_prediction_head(iou_out);
  using torch::indexing::Slice;
  if (multimask_output) return {masks.index({Slice(), Slice(1, torch::indexing::None)}), iou.index({Slice(), Slice(1, torch::indexing::None)})};
  return {masks.index({Slice(), Slice(0, 1)}), iou.index({Slice(), Slice(0, 1)})};
}

}  // namespace labkit::sammed3d
