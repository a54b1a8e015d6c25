#include "gptq.h"

#include <torch/torch.h>

#include "labkit/llama/forward.h"

namespace labkit::ostquant_calibrate {

WeightQuant gptq_quantize(const torch::Tensor& W0, const torch::Tensor& H0, int bits, bool clip_search,
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
  auto scales = quantize_weight_sym(W, bits, clip_search).scales;  // float32 [out]
  auto scale = scales.to(torch::kDouble).unsqueeze(1);               // [out, 1]
  H.diagonal().add_(percdamp * H.diagonal().mean().item<double>());
  // Upper Cholesky factor of H⁻¹, as in the GPTQ reference formulation.
  auto Hinv = torch::linalg_cholesky(torch::cholesky_inverse(torch::linalg_cholesky(H)), /*upper=*/true);
  auto codes = torch::zeros_like(W);
  for (int64_t b0 = 0; b0 < n; b0 += block) {
    const int64_t b1 = std::min(n, b0 + block), cnt = b1 - b0;
    auto W1 = W.narrow(1, b0, cnt).clone();
    auto Err = torch::zeros_like(W1);
    auto Hb = Hinv.narrow(0, b0, cnt).narrow(1, b0, cnt);
    for (int64_t i = 0; i < cnt; ++i) {
      auto w = W1.select(1, i);
      const double d = Hb[i][i].item<double>();
      auto c = torch::clamp(torch::round(w.unsqueeze(1) / scale), qmin, qmax).squeeze(1);
      codes.select(1, b0 + i).copy_(c);
      auto err = (w - c * scale.squeeze(1)) / d;
      if (i + 1 < cnt) W1.narrow(1, i + 1, cnt - i - 1).sub_(torch::outer(err, Hb[i].narrow(0, i + 1, cnt - i - 1)));
      Err.select(1, i).copy_(err);
    }
    if (b1 < n) W.narrow(1, b1, n - b1).sub_(Err.matmul(Hinv.narrow(0, b0, cnt).narrow(1, b1, n - b1)));
  }
  WeightQuant r;
  r.dequant = (codes * scale).to(W0.scalar_type());
  r.codes = codes.to(torch::kChar);
  r.scales = scales;
  return r;
}

namespace {

using labkit::llama::Site;

// Linears of one decoder layer in the order they are quantized; a group shares its input (one Hessian).
struct Group {
  Site site;
  std::vector<const char*> weights;
};
const std::vector<Group>& sequential_groups() {
  static const std::vector<Group> groups = {
      {Site::kAttnIn, {"self_attn.k_proj.weight", "self_attn.v_proj.weight", "self_attn.q_proj.weight"}},
      {Site::kOIn, {"self_attn.o_proj.weight"}},
      {Site::kMlpIn, {"mlp.up_proj.weight", "mlp.gate_proj.weight"}},
      {Site::kDownIn, {"mlp.down_proj.weight"}}};
  return groups;
}

// RoPE tables and causal mask for one stream length.
struct Positions {
  torch::Tensor cos, sin, masked;
};
Positions positions(const labkit::llama::Config& c, int64_t T, torch::ScalarType dtype, torch::Device device) {
  Positions p;
  std::tie(p.cos, p.sin) = labkit::llama::rope_tables(c.head_dim, c.rope_theta, 0, T, dtype, device);
  auto pos = torch::arange(T, torch::TensorOptions().dtype(torch::kLong).device(device));
  p.masked = pos.unsqueeze(0) > pos.unsqueeze(1);
  return p;
}

}  // namespace

QuantizedModel gptq_quantize_model(const labkit::llama::Model& model, int bits, bool clip_search,
                                   const std::vector<labkit::llama::TokenStream>& calib) {
  torch::NoGradGuard ng;
  QuantizedModel out;
  out.model = model;  // shares tensors; each quantized linear is replaced
  auto& q = out.model;
  const auto& c = model.config;
  const auto& embed = model.w("model.embed_tokens.weight");
  // Hidden states entering the current layer, one [1, T, dim] per calibration stream.
  std::vector<torch::Tensor> hidden;
  std::vector<Positions> pos;
  for (const auto& s : calib) {
    hidden.push_back(torch::embedding(embed, torch::tensor(s, torch::kLong).unsqueeze(0).to(embed.device())));
    pos.push_back(positions(c, hidden.back().size(1), embed.scalar_type(), embed.device()));
  }
  for (int64_t l = 0; l < c.n_layers; ++l) {
    for (const auto& group : sequential_groups()) {
      torch::Tensor H;
      int64_t rows = 0;
      labkit::llama::ForwardHooks record;
      record.act = [&](const torch::Tensor& x, Site s, int64_t layer) {
        if (layer == l && s == group.site) {
          auto X = x.detach().to(torch::kDouble).reshape({-1, x.size(-1)});
          auto h = 2.0 * X.t().mm(X);
          H = H.defined() ? H + h : h;
          rows += X.size(0);
        }
        return x;
      };
      // Later sites of the layer are not needed; running the whole layer keeps one code path.
      for (size_t i = 0; i < hidden.size(); ++i)
        labkit::llama::decoder_layer(q, l, hidden[i], pos[i].cos, pos[i].sin, pos[i].masked, nullptr, &record);
      H /= static_cast<double>(rows);
      for (const char* name : group.weights) {
        const auto key = labkit::llama::layer_key(l, name);
        auto wq = gptq_quantize(q.w(key), H, bits, clip_search);
        q.weights[key] = wq.dequant.to(q.w(key).device());
        out.linears[key] = std::move(wq);
      }
    }
    for (size_t i = 0; i < hidden.size(); ++i)
      hidden[i] = labkit::llama::decoder_layer(q, l, hidden[i], pos[i].cos, pos[i].sin, pos[i].masked);
  }
  return out;
}

}  // namespace labkit::ostquant_calibrate
