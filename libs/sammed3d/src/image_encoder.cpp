#include "labkit/sammed3d/image_encoder.h"

#include <algorithm>
#include <cmath>

namespace labkit::sammed3d {
namespace {

using torch::indexing::Slice;

// Relative position table (2n-1, c) -> (n, n, c) with entry [q][k] = table[q - k + n - 1].
torch::Tensor get_rel_pos(int64_t n, const torch::Tensor& table) {
  TORCH_CHECK(table.size(0) == 2 * n - 1, "relative position table has ", table.size(0), " rows, expected ",
              2 * n - 1, " (other input sizes are not supported)");
  auto q = torch::arange(n, torch::kLong).unsqueeze(1);
  auto k = torch::arange(n, torch::kLong).unsqueeze(0);
  return table.index({(q - k + (n - 1)).to(table.device())});
}

}  // namespace

ViTAttentionImpl::ViTAttentionImpl(int64_t dim, int64_t heads, int64_t input_size) : num_heads(heads) {
  qkv = register_module("qkv", torch::nn::Linear(dim, 3 * dim));
  proj = register_module("proj", torch::nn::Linear(dim, dim));
  const int64_t head_dim = dim / heads;
  rel_pos_d = register_parameter("rel_pos_d", torch::zeros({2 * input_size - 1, head_dim}));
  rel_pos_h = register_parameter("rel_pos_h", torch::zeros({2 * input_size - 1, head_dim}));
  rel_pos_w = register_parameter("rel_pos_w", torch::zeros({2 * input_size - 1, head_dim}));
}

torch::Tensor ViTAttentionImpl::forward(const torch::Tensor& x, std::array<int64_t, 3> real) {
  const int64_t B = x.size(0), D = x.size(1), H = x.size(2), W = x.size(3), C = x.size(4);
  const int64_t N = D * H * W, hd = C / num_heads, BH = B * num_heads;
  auto parts = qkv(x).reshape({B, N, 3, num_heads, hd}).permute({2, 0, 3, 1, 4}).reshape({3, BH, N, hd});
  auto q = parts[0], k = parts[1], v = parts[2];
  const double scale = 1.0 / std::sqrt(static_cast<double>(hd));

  // Decomposed relative position from the unscaled queries of every grid position (padded ones too:
  // the quirky placement below reads query positions along the key axes).
  auto rq = q.reshape({BH, D, H, W, hd});
  auto rel_d = torch::einsum("bdhwc,dkc->bdhwk", {rq, get_rel_pos(D, rel_pos_d)});
  auto rel_h = torch::einsum("bdhwc,hkc->bdhwk", {rq, get_rel_pos(H, rel_pos_h)});
  auto rel_w = torch::einsum("bdhwc,wkc->bdhwk", {rq, get_rel_pos(W, rel_pos_w)});

  const int64_t rd = real[0], rh = real[1], rw = real[2], nr = rd * rh * rw;
  auto qr = (rd == D && rh == H && rw == W)
                ? q
                : rq.index({Slice(), Slice(0, rd), Slice(0, rh), Slice(0, rw)}).reshape({BH, nr, hd});
  auto attn = torch::matmul(qr * scale, k.transpose(-2, -1)).view({BH, rd, rh, rw, D, H, W});
  // Upstream adds rel_d[:,:,:,:,None,None], rel_h[:,:,:,None,:,None], rel_w[:,:,:,None,None,:] to the
  // (B, qd, qh, qw, kd, kh, kw) view: the kd term lands on the kw axis and the qw index of rel_h/rel_w
  // on the kd/kh axes. Reproduced as is (the shapes only line up for cubic grids, as upstream).
  auto sel = [&](const torch::Tensor& t, bool w_too) {
    return t.index({Slice(), Slice(0, rd), Slice(0, rh), w_too ? Slice(0, rw) : Slice()});
  };
  attn = attn + sel(rel_d, true).unsqueeze(4).unsqueeze(5) + sel(rel_h, false).unsqueeze(3).unsqueeze(5) +
         sel(rel_w, false).unsqueeze(3).unsqueeze(3);
  attn = attn.view({BH, nr, N}).softmax(-1);
  auto out = torch::matmul(attn, v).view({B, num_heads, rd, rh, rw, hd}).permute({0, 2, 3, 4, 1, 5});
  return proj(out.reshape({B, rd, rh, rw, C}));
}

ViTBlockImpl::ViTBlockImpl(const SamConfig& c, int64_t window) : window_size(window) {
  norm1 = register_module("norm1", torch::nn::LayerNorm(torch::nn::LayerNormOptions({c.embed_dim}).eps(1e-6)));
  attn = register_module("attn", ViTAttention(c.embed_dim, c.num_heads, window > 0 ? window : c.grid()));
  norm2 = register_module("norm2", torch::nn::LayerNorm(torch::nn::LayerNormOptions({c.embed_dim}).eps(1e-6)));
  mlp = register_module("mlp", MLPBlock(c.embed_dim, c.mlp_dim, /*relu=*/false));
}

torch::Tensor ViTBlockImpl::forward(const torch::Tensor& x) {
  auto h = norm1(x);
  const int64_t B = h.size(0), D = h.size(1), H = h.size(2), W = h.size(3), C = h.size(4);
  if (window_size > 0) {
    const int64_t ws = window_size;
    const int64_t pd = (ws - D % ws) % ws, ph = (ws - H % ws) % ws, pw = (ws - W % ws) % ws;
    // Zero padding after norm1: padded tokens carry only the qkv bias and are not masked (upstream).
    if (pd > 0 || ph > 0 || pw > 0) h = torch::constant_pad_nd(h, {0, 0, 0, pw, 0, ph, 0, pd}, 0);
    const int64_t Dp = D + pd, Hp = H + ph, Wp = W + pw;
    const int64_t nd = Dp / ws, nh = Hp / ws, nw = Wp / ws;
    if (nd * nh * nw == 1 && real_rows_only) {
      h = attn->forward(h, {D, H, W});
    } else {
      auto win = h.view({B, nd, ws, nh, ws, nw, ws, C}).permute({0, 1, 3, 5, 2, 4, 6, 7}).reshape({-1, ws, ws, ws, C});
      win = attn->forward(win, {ws, ws, ws});
      h = win.view({B, nd, nh, nw, ws, ws, ws, C}).permute({0, 1, 4, 2, 5, 3, 6, 7}).reshape({B, Dp, Hp, Wp, C});
      using torch::indexing::Slice;
      h = h.index({Slice(), Slice(0, D), Slice(0, H), Slice(0, W)});
    }
  } else {
    h = attn->forward(h, {D, H, W});
  }
  auto y = x + h;
  return y + mlp(norm2(y));
}

ImageEncoderImpl::ImageEncoderImpl(const SamConfig& c) {
  auto pe = register_module("patch_embed", std::make_shared<torch::nn::Module>());
  patch_proj = torch::nn::Conv3d(torch::nn::Conv3dOptions(c.in_chans, c.embed_dim, c.patch_size).stride(c.patch_size));
  pe->register_module("proj", patch_proj);
  const int64_t g = c.grid();
  pos_embed = register_parameter("pos_embed", torch::zeros({1, g, g, g, c.embed_dim}));
  blocks = register_module("blocks", torch::nn::ModuleList());
  for (int64_t i = 0; i < c.depth; ++i) {
    const bool global = std::find(c.global_attn_indexes.begin(), c.global_attn_indexes.end(), i) !=
                        c.global_attn_indexes.end();
    blocks->push_back(ViTBlock(c, global ? 0 : c.window_size));
  }
  neck = register_module(
      "neck", torch::nn::Sequential(
                  torch::nn::Conv3d(torch::nn::Conv3dOptions(c.embed_dim, c.out_chans, 1).bias(false)),
                  LayerNorm3d(c.out_chans),
                  torch::nn::Conv3d(torch::nn::Conv3dOptions(c.out_chans, c.out_chans, 3).padding(1).bias(false)),
                  LayerNorm3d(c.out_chans)));
}

torch::Tensor ImageEncoderImpl::forward(const torch::Tensor& image) {
  auto x = patch_proj(image).permute({0, 2, 3, 4, 1}) + pos_embed;
  for (const auto& b : *blocks) x = b->as<ViTBlock>()->forward(x);
  return neck->forward(x.permute({0, 4, 1, 2, 3}));
}

void ImageEncoderImpl::set_real_rows_only(bool on) {
  for (const auto& b : *blocks) b->as<ViTBlock>()->real_rows_only = on;
}

}  // namespace labkit::sammed3d
