#include "gptq.h"

#include <torch/torch.h>

#include <map>

#include "quant.h"

namespace ostq {

torch::Tensor gptq_quantize(const torch::Tensor& W0, const torch::Tensor& H0, int bits, bool clip_search,
                            double percdamp, int64_t block) {
  torch::NoGradGuard ng;
  auto W = W0.detach().to(torch::kDouble).clone();
  auto H = H0.detach().to(torch::kDouble).clone();
  const int64_t n = W.size(1);
  const double qmin = -std::pow(2.0, bits - 1), qmax = std::pow(2.0, bits - 1) - 1;
  // Dead inputs carry no information: fix their Hessian diagonal, zero the weights.
  auto dead = H.diagonal() == 0;
  H.diagonal().masked_fill_(dead, 1.0);
  W.index_put_({torch::indexing::Slice(), dead}, 0.0);
  auto scale = quantize_weight_sym(W, bits, clip_search).scales.to(torch::kDouble).unsqueeze(1);  // [out, 1]
  H.diagonal().add_(percdamp * H.diagonal().mean().item<double>());
  // Upper Cholesky factor of H⁻¹, as in the GPTQ reference formulation.
  auto Hinv = torch::linalg_cholesky(torch::cholesky_inverse(torch::linalg_cholesky(H)), /*upper=*/true);
  auto Q = torch::zeros_like(W);
  for (int64_t b0 = 0; b0 < n; b0 += block) {
    const int64_t b1 = std::min(n, b0 + block), cnt = b1 - b0;
    auto W1 = W.narrow(1, b0, cnt).clone();
    auto Err = torch::zeros_like(W1);
    auto Hb = Hinv.narrow(0, b0, cnt).narrow(1, b0, cnt);
    for (int64_t i = 0; i < cnt; ++i) {
      auto w = W1.select(1, i);
      const double d = Hb[i][i].item<double>();
      auto q = torch::clamp(torch::round(w.unsqueeze(1) / scale), qmin, qmax).mul(scale).squeeze(1);
      Q.select(1, b0 + i).copy_(q);
      auto err = (w - q) / d;
      if (i + 1 < cnt) W1.narrow(1, i + 1, cnt - i - 1).sub_(torch::outer(err, Hb[i].narrow(0, i + 1, cnt - i - 1)));
      Err.select(1, i).copy_(err);
    }
    if (b1 < n) W.narrow(1, b1, n - b1).sub_(Err.matmul(Hinv.narrow(0, b0, cnt).narrow(1, b1, n - b1)));
  }
  return Q.to(W0.scalar_type());
}

labkit::llama::Model gptq_quantize_model(const labkit::llama::Model& model, int bits, bool clip_search,
                                         const std::vector<labkit::llama::TokenStream>& calib) {
  using labkit::llama::Site;
  torch::NoGradGuard ng;
  std::map<std::pair<int64_t, Site>, torch::Tensor> H;
  std::map<std::pair<int64_t, Site>, int64_t> count;
  labkit::llama::ForwardHooks hooks;
  hooks.act = [&](const torch::Tensor& x, Site s, int64_t layer) {
    if (s == Site::kAttnIn || s == Site::kOIn || s == Site::kMlpIn || s == Site::kDownIn) {
      auto X = x.detach().to(torch::kDouble).reshape({-1, x.size(-1)});
      auto key = std::make_pair(layer, s);
      auto h = 2.0 * X.t().mm(X);
      H[key] = H.count(key) ? H[key] + h : h;
      count[key] += X.size(0);
    }
    return x;
  };
  auto device = model.w("model.embed_tokens.weight").device();
  for (const auto& s : calib)
    labkit::llama::forward(model, torch::tensor(s, torch::kLong).unsqueeze(0).to(device), nullptr, &hooks);
  labkit::llama::Model q = model;
  const std::vector<std::pair<const char*, Site>> linears = {
      {"self_attn.q_proj.weight", Site::kAttnIn}, {"self_attn.k_proj.weight", Site::kAttnIn},
      {"self_attn.v_proj.weight", Site::kAttnIn}, {"self_attn.o_proj.weight", Site::kOIn},
      {"mlp.gate_proj.weight", Site::kMlpIn},     {"mlp.up_proj.weight", Site::kMlpIn},
      {"mlp.down_proj.weight", Site::kDownIn}};
  for (int64_t l = 0; l < model.config.n_layers; ++l)
    for (const auto& [name, site] : linears) {
      auto key = std::make_pair(l, site);
      auto h = H.at(key) / static_cast<double>(count.at(key));
      auto& w = q.weights[labkit::llama::layer_key(l, name)];
      w = gptq_quantize(w, h, bits, clip_search).to(w.device());
    }
  return q;
}

}  // namespace ostq
