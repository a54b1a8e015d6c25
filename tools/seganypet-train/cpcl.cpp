#include "cpcl.h"

#include "clicks.h"

namespace labkit::seganypet_train {

namespace sm = labkit::sammed3d;

CpclTargets rectify_labels(const torch::Tensor& stack, const torch::Tensor& y, double min_agreement) {
  torch::NoGradGuard no_grad;
  const int64_t n = y.size(0);
  CpclTargets out;
  // 2. Ensemble and uncertainty.
  auto p = stack.mean(0), u = stack.var(0, /*unbiased=*/false);
  // 3. Confident learning with per-sample class thresholds.
  const std::vector<int64_t> dims{1, 2, 3, 4};
  auto fg = y > 0.5, bg = ~fg;
  auto t1 = ((p * fg).sum(dims) / fg.sum(dims).clamp_min(1)).view({n, 1, 1, 1, 1});
  auto t0 = (((1 - p) * bg).sum(dims) / bg.sum(dims).clamp_min(1)).view({n, 1, 1, 1, 1});
  auto flagged = (bg & (p >= t1) & (p > 0.5)) | (fg & ((1 - p) >= t0) & (p < 0.5));
  // 4. Uncertainty split over the object region.
  auto region = fg | (p > 0.5);
  auto u_mean = ((u * region).sum(dims) / region.sum(dims).clamp_min(1)).view({n, 1, 1, 1, 1});
  // 5. Competence gate per sample.
  auto ens = p > 0.5;
  auto agreement = 2.0 * (ens & fg).sum(dims).to(torch::kFloat64) /
                   (ens.sum(dims) + fg.sum(dims)).to(torch::kFloat64).clamp_min(1.0);
  auto competent = (agreement >= min_agreement).view({n, 1, 1, 1, 1});
  flagged = flagged & competent;
  out.samples = n;
  out.rectified_samples = competent.sum().item<int64_t>();
  auto flip = flagged & (u <= u_mean), ignore = flagged & (u > u_mean);
  auto rect = torch::where(flip, 1 - y, y);
  auto w = torch::where(ignore, torch::zeros_like(y), torch::ones_like(y));
  out.target = rect;
  out.weight = w;
  out.label_voxels = fg.sum().item<double>();
  out.flagged = flagged.sum().item<double>();
  out.flipped = flip.sum().item<double>();
  out.ignored = ignore.sum().item<double>();
  return out;
}

CpclTargets cpcl_targets(sm::Sam3DImpl& a, sm::Sam3DImpl& b, const torch::Tensor& emb_a, const torch::Tensor& emb_b,
                         const torch::Tensor& label, const std::vector<bool>& low_quality, int passes,
                         double min_agreement, std::mt19937_64& rng, const torch::Tensor& clean) {
  torch::NoGradGuard no_grad;
  CpclTargets out;
  out.target = label.clone();
  out.weight = torch::ones_like(label);
  std::vector<int64_t> lq;
  for (size_t i = 0; i < low_quality.size(); ++i)
    if (low_quality[i]) lq.push_back(static_cast<int64_t>(i));
  if (lq.empty() || passes < 1) return out;
  auto idx = torch::tensor(lq, torch::kInt64).to(label.device());
  const auto y = label.index_select(0, idx);
  const auto ea = emb_a.index_select(0, idx), eb = emb_b.index_select(0, idx);
  const int64_t n = y.size(0), L = a.config.low_res_size();

  // 1. Cross prompting: each model is clicked where the other one errs.
  auto prev_a = torch::zeros({n, 1, L, L, L}, y.options()), prev_b = prev_a.clone();
  torch::Tensor mask_a, mask_b, pts_a, lab_a, pts_b, lab_b;
  std::vector<torch::Tensor> probs;
  for (int k = 0; k < passes; ++k) {
    Clicks ca = next_clicks(mask_b, y, rng), cb = next_clicks(mask_a, y, rng);
    pts_a = pts_a.defined() ? torch::cat({pts_a, ca.points}, 1) : ca.points;
    lab_a = lab_a.defined() ? torch::cat({lab_a, ca.labels}, 1) : ca.labels;
    pts_b = pts_b.defined() ? torch::cat({pts_b, cb.points}, 1) : cb.points;
    lab_b = lab_b.defined() ? torch::cat({lab_b, cb.labels}, 1) : cb.labels;
    prev_a = a.decode(ea, pts_a, lab_a, prev_a).low_res_logits;
    prev_b = b.decode(eb, pts_b, lab_b, prev_b).low_res_logits;
    auto pa = torch::sigmoid(a.upscale(prev_a)), pb = torch::sigmoid(b.upscale(prev_b));
    mask_a = pa > 0.5, mask_b = pb > 0.5;
    probs.push_back(pa);
    probs.push_back(pb);
  }
  auto r = rectify_labels(torch::stack(probs, 0), y, min_agreement);
  out.target.index_copy_(0, idx, r.target);
  out.weight.index_copy_(0, idx, r.weight);
  out.label_voxels = r.label_voxels, out.flagged = r.flagged, out.flipped = r.flipped, out.ignored = r.ignored;
  out.samples = r.samples, out.rectified_samples = r.rectified_samples;
  if (clean.defined()) {
    const auto c = clean.index_select(0, idx) > 0.5;
    out.errors_before = ((y > 0.5) != c).sum().item<double>();
    out.errors_after = (((r.target > 0.5) != c) & (r.weight > 0)).sum().item<double>();
  }
  return out;
}

}  // namespace labkit::seganypet_train
