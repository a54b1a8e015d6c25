#include "quant.h"

#include <torch/torch.h>

#include <regex>

#include "labkit/core/error.h"

namespace labkit::ostquant_calibrate {

std::string QuantSetting::name() const {
  std::string s = "W" + std::to_string(w_bits) + "A" + std::to_string(a_bits);
  if (kv_bits < 16) s += "KV" + std::to_string(kv_bits);
  return s;
}

QuantSetting parse_setting(const std::string& text) {
  static const std::regex re("[Ww](\\d{1,2})[Aa](\\d{1,2})(?:[Kk][Vv](\\d{1,2}))?");
  std::smatch m;
  if (!std::regex_match(text, m, re))
    throw labkit::InputError("quantization setting \"" + text + "\": expected W<bits>A<bits>[KV<bits>], e.g. W4A16, W4A4KV4");
  QuantSetting s;
  s.w_bits = std::stoi(m[1]);
  s.a_bits = std::stoi(m[2]);
  s.kv_bits = m[3].matched ? std::stoi(m[3]) : 16;
  for (int b : {s.w_bits, s.a_bits, s.kv_bits})
    if (b < 2 || b > 16) throw labkit::InputError("quantization setting \"" + text + "\": bit widths must be 2..16");
  return s;
}

torch::Tensor round_ste(const torch::Tensor& x) { return x + (torch::round(x) - x).detach(); }

torch::Tensor fake_quant_asym(const torch::Tensor& x, int bits, int64_t group, double clip) {
  if (bits >= 16) return x;
  auto shape = x.sizes().vec();
  const int64_t C = shape.back();
  const int64_t g = group > 0 ? group : C;
  TORCH_CHECK(C % g == 0, "fake_quant_asym: group ", g, " does not divide ", C);
  auto xs = x.reshape({-1, C / g, g});
  // The range keeps its graph (amax/amin pass the gradient to the extreme elements), so training sees how a
  // transform's outliers widen the grid; the zero point is rounded and carries none.
  auto xmin = torch::clamp_max(std::get<0>(xs.min(-1, true)), 0.0) * clip;
  auto xmax = torch::clamp_min(std::get<0>(xs.max(-1, true)), 1e-6) * clip;
  const double qmax = std::pow(2.0, bits) - 1;
  auto s = torch::clamp_min(xmax - xmin, 1e-6) / qmax;
  auto zp = torch::round(-xmin / s).detach();
  return ((torch::clamp(round_ste(xs / s) + zp, 0, qmax) - zp) * s).reshape(shape);
}

torch::Tensor fake_quant_weight_sym(const torch::Tensor& W, int bits, bool clip_search) {
  auto s = quantize_weight_sym(W, bits, clip_search).scales.to(W.options()).unsqueeze(1);
  const double qmin = -std::pow(2.0, bits - 1), qmax = std::pow(2.0, bits - 1) - 1;
  return torch::clamp(round_ste(W / s), qmin, qmax) * s;
}

WeightQuant quantize_weight_sym(const torch::Tensor& W, int bits, bool clip_search) {
  torch::NoGradGuard ng;
  auto w = W.detach().to(torch::kDouble);
  const double qmin = -std::pow(2.0, bits - 1), qmax = std::pow(2.0, bits - 1) - 1;
  auto xmin0 = torch::clamp_max(std::get<0>(w.min(1, true)), 0.0);
  auto xmax0 = torch::clamp_min(std::get<0>(w.max(1, true)), 1e-8);
  // All shrink factors at once: [steps, out, in]; per row keep the factor with the least squared error.
  const int steps = clip_search ? 80 : 1;
  auto p = (1.0 - torch::arange(steps, w.options()) / 100.0).view({steps, 1, 1});
  auto s_all = torch::maximum(xmin0.unsqueeze(0) * p / qmin, xmax0.unsqueeze(0) * p / qmax);  // [steps, out, 1]
  auto err = (torch::clamp(torch::round(w.unsqueeze(0) / s_all), qmin, qmax) * s_all - w.unsqueeze(0)).pow(2).sum(2);
  auto best = err.argmin(0);                                              // [out], first minimum = least shrink
  auto best_scale = s_all.squeeze(2).gather(0, best.unsqueeze(0)).t();    // [out, 1]
  WeightQuant r;
  auto codes = torch::clamp(torch::round(w / best_scale), qmin, qmax);
  r.dequant = (codes * best_scale).to(W.scalar_type());
  r.codes = codes.to(torch::kChar);
  r.scales = best_scale.squeeze(1).to(torch::kFloat);
  return r;
}

int64_t kv_group_size(int64_t head_dim) {
  int64_t g = std::min<int64_t>(128, head_dim);
  while (head_dim % g != 0) --g;
  return g;
}

labkit::llama::ForwardHooks activation_quant_hooks(const QuantSetting& s, int64_t head_dim) {
  using labkit::llama::Site;
  labkit::llama::ForwardHooks h;
  const int64_t kv_group = kv_group_size(head_dim);
  h.act = [s, kv_group](const torch::Tensor& x, Site site, int64_t) -> torch::Tensor {
    switch (site) {
      case Site::kAttnIn:
      case Site::kMlpIn:
      case Site::kDownIn:
      case Site::kOIn:
        return fake_quant_asym(x, s.a_bits, 0, s.a_clip);
      case Site::kK:
      case Site::kV:
        return fake_quant_asym(x, s.kv_bits, kv_group, s.kv_clip);
      case Site::kQ:
        return x;
    }
    return x;
  };
  return h;
}

torch::Tensor pack_int4(const torch::Tensor& codes) {
  auto c = codes.to(torch::kInt);
  const int64_t in = c.size(1);
  if (in % 2) c = torch::cat({c, torch::zeros({c.size(0), 1}, c.options())}, 1);
  auto nib = torch::bitwise_and(c, 0xF);  // two's complement nibble
  auto lo = nib.slice(1, 0, c.size(1), 2), hi = nib.slice(1, 1, c.size(1), 2);
  return torch::bitwise_or(lo, torch::bitwise_left_shift(hi, 4)).to(torch::kByte);
}

torch::Tensor unpack_int4(const torch::Tensor& packed, int64_t in_features) {
  auto p = packed.to(torch::kInt);
  auto lo = torch::bitwise_and(p, 0xF), hi = torch::bitwise_and(torch::bitwise_right_shift(p, 4), 0xF);
  auto both = torch::stack({lo, hi}, 2).reshape({p.size(0), -1}).narrow(1, 0, in_features);
  return torch::where(both >= 8, both - 16, both).to(torch::kChar);
}

}  // namespace labkit::ostquant_calibrate
