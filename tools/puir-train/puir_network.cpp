#include "puir_network.h"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

namespace labkit::puir_train {

namespace nn = torch::nn;

nlohmann::json NetworkSpec::to_json() const {
  return {{"modalities", modalities}, {"feature_size", feature_size}, {"roi", roi},
          {"prior_heads", prior_heads}, {"prior", prior}};
}

NetworkSpec NetworkSpec::from_json(const nlohmann::json& j) {
  NetworkSpec s;
  try {
    s.modalities = j.at("modalities").get<int64_t>();
    s.feature_size = j.at("feature_size").get<int64_t>();
    s.roi = j.at("roi").get<int64_t>();
    s.prior_heads = j.at("prior_heads").get<int64_t>();
    s.prior = j.at("prior").get<bool>();
  } catch (const nlohmann::json::exception& e) {
    throw std::invalid_argument(std::string("bad network description: ") + e.what());
  }
  s.check();
  return s;
}

void NetworkSpec::check() const {
  if (modalities < 1 || modalities > 16) throw std::invalid_argument("modalities must be in [1, 16]");
  if (feature_size < 12 || feature_size > 192 || feature_size % 12)
    throw std::invalid_argument("feature_size must be a multiple of 12 in [12, 192] (24 heads at the last stage)");
  if (roi < 32 || roi > 256 || roi % 32) throw std::invalid_argument("roi must be a multiple of 32 in [32, 256]");
  const int64_t tokens = bottleneck_edge() * bottleneck_edge() * bottleneck_edge();
  if (prior && (prior_heads < 1 || tokens % prior_heads))
    throw std::invalid_argument(fmt::format("prior_heads must divide the prior's embedding (roi/32)^3 = {}", tokens));
}

PriorBlockImpl::PriorBlockImpl(int64_t channels, int64_t edge, int64_t heads) {
  static_prior = register_parameter("static_prior", torch::randn({1, channels, edge, edge, edge}));
  attention = register_module("attention", nn::MultiheadAttention(nn::MultiheadAttentionOptions(edge * edge * edge, heads)));
  tansfer_for_mod = register_module("tansfer_for_mod", nn::Sequential());
  for (int i = 0; i < 2; ++i) tansfer_for_mod->push_back(nn::Conv3d(nn::Conv3dOptions(channels, channels, 3).padding(1)));
  fuse_to_X = register_module("fuse_to_X", nn::Conv3d(nn::Conv3dOptions(3 * channels, channels, 3).padding(1)));
}

torch::Tensor PriorBlockImpl::forward(const torch::Tensor& x) {
  const int64_t b = x.size(0);
  // LibTorch's MultiheadAttention is sequence-first: (L = channels, N = batch, E = voxels).
  auto q = x.flatten(2).transpose(0, 1);
  auto kv = static_prior.expand({b, -1, -1, -1, -1}).flatten(2).transpose(0, 1);
  auto attended = std::get<0>(attention->forward(q, kv, kv)).transpose(0, 1).reshape(x.sizes());
  attended = tansfer_for_mod->forward(attended);
  return fuse_to_X->forward(torch::cat({x, attended, x}, 1));
}

PuirNetworkImpl::PuirNetworkImpl(const NetworkSpec& s) : spec_(s) {
  s.check();
  const int64_t fs = s.feature_size, c = s.modalities;
  SwinSpec swin{c, fs, 2, {7, 7, 7}, {2, 2, 2, 2}, {3, 6, 12, 24}};
  swinViT = register_module("swinViT", SwinEncoder(swin));
  if (s.prior) prior = register_module("prior", PriorBlock(s.bottleneck_channels(), s.bottleneck_edge(), s.prior_heads));
  encoder1 = register_module("encoder1", nets3d::UnetrBasicBlock(c, fs));
  encoder2 = register_module("encoder2", nets3d::UnetrBasicBlock(fs, fs));
  encoder3 = register_module("encoder3", nets3d::UnetrBasicBlock(2 * fs, 2 * fs));
  encoder4 = register_module("encoder4", nets3d::UnetrBasicBlock(4 * fs, 4 * fs));
  encoder10 = register_module("encoder10", nets3d::UnetrBasicBlock(16 * fs, 16 * fs));
  decoder5 = register_module("decoder5", nets3d::UnetrUpBlock(16 * fs, 8 * fs));
  decoder4 = register_module("decoder4", nets3d::UnetrUpBlock(8 * fs, 4 * fs));
  decoder3 = register_module("decoder3", nets3d::UnetrUpBlock(4 * fs, 2 * fs));
  decoder2 = register_module("decoder2", nets3d::UnetrUpBlock(2 * fs, fs));
  decoder1 = register_module("decoder1", nets3d::UnetrUpBlock(fs, fs));
  out = register_module("out", nets3d::UnetOutBlock(fs, c));
  rotation_head = register_module("rotation_head", nn::Linear(16 * fs, 4));
  contrastive_head = register_module("contrastive_head", nn::Linear(16 * fs, kContrastiveDim));
}

torch::Tensor PuirNetworkImpl::x_h(const torch::Tensor& x) {
  auto bottleneck = swinViT->forward(x)[4];
  return prior ? prior->forward(bottleneck) : bottleneck;
}

torch::Tensor PuirNetworkImpl::contrastive(const torch::Tensor& x) {
  const auto tokens = swinViT->forward(x)[4].flatten(2);
  return contrastive_head->forward(tokens.select(2, std::min<int64_t>(1, tokens.size(2) - 1)));
}

Outputs PuirNetworkImpl::forward(const torch::Tensor& x) {
  Outputs o;
  o.encoder_stages = swinViT->forward(x);
  const auto& hidden = o.encoder_stages;
  // SSLHead: the rotation head reads the bottleneck's first token, the contrastive head its second (the
  // first too when a 32^3 crop leaves one token).
  const auto tokens = hidden[4].flatten(2).transpose(1, 2);
  o.rotation = rotation_head->forward(tokens.select(1, 0));
  o.contrastive = contrastive_head->forward(tokens.select(1, std::min<int64_t>(1, tokens.size(1) - 1)));
  o.x_h = prior ? prior->forward(hidden[4]) : hidden[4];
  auto enc0 = encoder1->forward(x);
  auto enc1 = encoder2->forward(hidden[0]);
  auto enc2 = encoder3->forward(hidden[1]);
  auto enc3 = encoder4->forward(hidden[2]);
  auto dec4 = encoder10->forward(o.x_h);
  auto dec3 = decoder5->forward(dec4, hidden[3]);
  auto dec2 = decoder4->forward(dec3, enc3);
  auto dec1 = decoder3->forward(dec2, enc2);
  auto dec0 = decoder2->forward(dec1, enc1);
  o.reconstruction = out->forward(decoder1->forward(dec0, enc0));
  return o;
}

int64_t parameter_count(nn::Module& m) {
  int64_t n = 0;
  for (const auto& p : m.parameters()) n += p.numel();
  return n;
}

}  // namespace labkit::puir_train
