#include "swin3d.h"

#include <cmath>
#include <stdexcept>

namespace labkit::puir_train {

namespace nn = torch::nn;
using torch::indexing::Slice;

void fit_window(const Window& size, Window& window, Window& shift) {
  for (int a = 0; a < 3; ++a)
    if (size[a] <= window[a]) window[a] = size[a], shift[a] = 0;
}

torch::Tensor window_partition(const torch::Tensor& x, const Window& w) {
  const int64_t b = x.size(0), d = x.size(1), h = x.size(2), wd = x.size(3), c = x.size(4);
  return x.view({b, d / w[0], w[0], h / w[1], w[1], wd / w[2], w[2], c})
      .permute({0, 1, 3, 5, 2, 4, 6, 7})
      .contiguous()
      .view({-1, w[0] * w[1] * w[2], c});
}

torch::Tensor window_reverse(const torch::Tensor& windows, const Window& w, int64_t b, int64_t d, int64_t h, int64_t wd) {
  return windows.view({b, d / w[0], h / w[1], wd / w[2], w[0], w[1], w[2], -1})
      .permute({0, 1, 4, 2, 5, 3, 6, 7})
      .contiguous()
      .view({b, d, h, wd, -1});
}

torch::Tensor shifted_window_mask(const Window& padded, const Window& window, const Window& shift) {
  // MONAI labels three regions per axis: [0, n-w), [n-w, n-s), [n-s, n) by slices; with s = 0 its last
  // slice is [0, n), so the whole axis gets one label.
  auto region = [&](int a, int64_t x) -> int64_t {
    if (shift[a] == 0) return 2;
    if (x < padded[a] - window[a]) return 0;
    return x < padded[a] - shift[a] ? 1 : 2;
  };
  auto labels = torch::empty({1, padded[0], padded[1], padded[2], 1});
  auto acc = labels.accessor<float, 5>();
  for (int64_t i = 0; i < padded[0]; ++i)
    for (int64_t j = 0; j < padded[1]; ++j)
      for (int64_t k = 0; k < padded[2]; ++k)
        acc[0][i][j][k][0] = static_cast<float>(9 * region(0, i) + 3 * region(1, j) + region(2, k));
  auto windows = window_partition(labels, window).squeeze(-1);  // (nW, N)
  auto diff = windows.unsqueeze(1) - windows.unsqueeze(2);
  return torch::where(diff != 0, torch::full_like(diff, -100.0), torch::zeros_like(diff));
}

WindowAttentionImpl::WindowAttentionImpl(int64_t dim, int64_t heads_, const Window& w) : heads(heads_) {
  if (dim % heads) throw std::invalid_argument("WindowAttention: dim must be divisible by the number of heads");
  scale = 1.0 / std::sqrt(static_cast<double>(dim / heads));
  const int64_t span1 = 2 * w[1] - 1, span2 = 2 * w[2] - 1;
  relative_position_bias_table = register_parameter("relative_position_bias_table",
                                                    torch::zeros({(2 * w[0] - 1) * span1 * span2, heads}));
  {
    torch::NoGradGuard g;
    nn::init::normal_(relative_position_bias_table, 0.0, 0.02);
    relative_position_bias_table.clamp_(-0.04, 0.04);  // trunc_normal_(std=.02) cuts at two sigma
  }
  auto coords = torch::stack(torch::meshgrid({torch::arange(w[0]), torch::arange(w[1]), torch::arange(w[2])}, "ij"))
                    .flatten(1);                                      // (3, N)
  auto rel = (coords.unsqueeze(2) - coords.unsqueeze(1)).permute({1, 2, 0}).contiguous();  // (N, N, 3)
  rel.select(2, 0).add_(w[0] - 1).mul_(span1 * span2);
  rel.select(2, 1).add_(w[1] - 1).mul_(span2);
  rel.select(2, 2).add_(w[2] - 1);
  relative_position_index = register_buffer("relative_position_index", rel.sum(-1));
  qkv = register_module("qkv", nn::Linear(nn::LinearOptions(dim, 3 * dim).bias(true)));
  proj = register_module("proj", nn::Linear(dim, dim));
}

torch::Tensor WindowAttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& mask) {
  const int64_t b = x.size(0), n = x.size(1), c = x.size(2);
  auto qkv_ = qkv->forward(x).reshape({b, n, 3, heads, c / heads}).permute({2, 0, 3, 1, 4});
  auto q = qkv_[0] * scale, k = qkv_[1], v = qkv_[2];
  auto attn = torch::matmul(q, k.transpose(-2, -1));
  auto index = relative_position_index.index({Slice(0, n), Slice(0, n)}).reshape(-1);
  auto bias = relative_position_bias_table.index_select(0, index).reshape({n, n, -1}).permute({2, 0, 1});
  attn = attn + bias.unsqueeze(0);
  if (mask.defined()) {
    const int64_t nw = mask.size(0);
    attn = (attn.view({b / nw, nw, heads, n, n}) + mask.unsqueeze(1).unsqueeze(0)).view({-1, heads, n, n});
  }
  attn = torch::softmax(attn, -1);
  return proj->forward(torch::matmul(attn, v).transpose(1, 2).reshape({b, n, c}));
}

SwinBlockImpl::SwinBlockImpl(int64_t dim, int64_t heads, const Window& w, const Window& s) : window(w), shift(s) {
  norm1 = register_module("norm1", nn::LayerNorm(nn::LayerNormOptions({dim})));
  attn = register_module("attn", WindowAttention(dim, heads, w));
  norm2 = register_module("norm2", nn::LayerNorm(nn::LayerNormOptions({dim})));
  auto mlp = register_module("mlp", std::make_shared<nn::Module>());
  linear1 = mlp->register_module("linear1", nn::Linear(dim, 4 * dim));
  linear2 = mlp->register_module("linear2", nn::Linear(4 * dim, dim));
}

torch::Tensor SwinBlockImpl::forward(const torch::Tensor& input, const torch::Tensor& mask) {
  const int64_t b = input.size(0), d = input.size(1), h = input.size(2), wd = input.size(3), c = input.size(4);
  Window w = window, s = shift;
  fit_window({d, h, wd}, w, s);
  auto x = norm1->forward(input);
  const int64_t pd = (w[0] - d % w[0]) % w[0], ph = (w[1] - h % w[1]) % w[1], pw = (w[2] - wd % w[2]) % w[2];
  x = torch::constant_pad_nd(x, {0, 0, 0, pw, 0, ph, 0, pd}, 0.0);
  const int64_t dp = x.size(1), hp = x.size(2), wp = x.size(3);
  const bool shifted = s[0] > 0 || s[1] > 0 || s[2] > 0;
  if (shifted) x = torch::roll(x, {-s[0], -s[1], -s[2]}, {1, 2, 3});
  auto windows = attn->forward(window_partition(x, w), shifted ? mask : torch::Tensor());
  x = window_reverse(windows.view({-1, w[0], w[1], w[2], c}), w, b, dp, hp, wp);
  if (shifted) x = torch::roll(x, {s[0], s[1], s[2]}, {1, 2, 3});
  x = input + x.index({Slice(), Slice(0, d), Slice(0, h), Slice(0, wd)});
  return x + linear2->forward(torch::gelu(linear1->forward(norm2->forward(x))));
}

PatchMergingImpl::PatchMergingImpl(int64_t dim) {
  norm = register_module("norm", nn::LayerNorm(nn::LayerNormOptions({8 * dim})));
  reduction = register_module("reduction", nn::Linear(nn::LinearOptions(8 * dim, 2 * dim).bias(false)));
}

torch::Tensor PatchMergingImpl::forward(const torch::Tensor& input) {
  auto x = torch::constant_pad_nd(input, {0, 0, 0, input.size(3) % 2, 0, input.size(2) % 2, 0, input.size(1) % 2}, 0.0);
  auto part = [&](int64_t i, int64_t j, int64_t k) {
    return x.index({Slice(), Slice(i, torch::indexing::None, 2), Slice(j, torch::indexing::None, 2),
                    Slice(k, torch::indexing::None, 2)});
  };
  // MONAI PatchMerging's eight parts in its order, (0,1,0) and (0,0,1) twice (see the header).
  auto cat = torch::cat({part(0, 0, 0), part(1, 0, 0), part(0, 1, 0), part(0, 0, 1), part(1, 0, 1), part(0, 1, 0),
                         part(0, 0, 1), part(1, 1, 1)},
                        -1);
  return reduction->forward(norm->forward(cat));
}

SwinStageImpl::SwinStageImpl(int64_t dim, int64_t depth, int64_t heads, const Window& w) : window(w) {
  blocks = register_module("blocks", nn::ModuleList());
  const Window half{w[0] / 2, w[1] / 2, w[2] / 2}, none{0, 0, 0};
  for (int64_t i = 0; i < depth; ++i) blocks->push_back(SwinBlock(dim, heads, w, i % 2 ? half : none));
  downsample = register_module("downsample", PatchMerging(dim));
}

torch::Tensor SwinStageImpl::forward(const torch::Tensor& input) {
  const Window size{input.size(2), input.size(3), input.size(4)};
  Window w = window, s{window[0] / 2, window[1] / 2, window[2] / 2};
  fit_window(size, w, s);
  Window padded;
  for (int a = 0; a < 3; ++a) padded[a] = (size[a] + w[a] - 1) / w[a] * w[a];
  const auto mask = shifted_window_mask(padded, w, s).to(input.device(), input.scalar_type());
  auto x = input.permute({0, 2, 3, 4, 1}).contiguous();
  for (const auto& blk : *blocks) x = blk->as<SwinBlock>()->forward(x, mask);
  return downsample->forward(x).permute({0, 4, 1, 2, 3}).contiguous();
}

namespace {

torch::Tensor channel_layer_norm(const torch::Tensor& x) {
  return torch::layer_norm(x.permute({0, 2, 3, 4, 1}), {x.size(1)}).permute({0, 4, 1, 2, 3}).contiguous();
}

}  // namespace

SwinEncoderImpl::SwinEncoderImpl(const SwinSpec& s) {
  if (s.depths.size() != 4 || s.heads.size() != 4) throw std::invalid_argument("SwinEncoder: four stages");
  auto embed = register_module("patch_embed", std::make_shared<nn::Module>());
  patch_embed = embed->register_module(
      "proj", nn::Conv3d(nn::Conv3dOptions(s.in_channels, s.embed_dim, s.patch).stride(s.patch)));
  for (int i = 0; i < 4; ++i) {
    auto holder = register_module("layers" + std::to_string(i + 1), nn::ModuleList());
    layers.push_back(SwinStage(s.embed_dim << i, s.depths[i], s.heads[i], s.window));
    holder->push_back(layers.back());
  }
}

std::vector<torch::Tensor> SwinEncoderImpl::forward(const torch::Tensor& x) {
  std::vector<torch::Tensor> out;
  auto h = patch_embed->forward(x);
  out.push_back(channel_layer_norm(h));
  for (auto& stage : layers) {
    h = stage->forward(h);
    out.push_back(channel_layer_norm(h));
  }
  return out;
}

}  // namespace labkit::puir_train
