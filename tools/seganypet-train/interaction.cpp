#include "interaction.h"

#include <algorithm>

#include "clicks.h"

namespace labkit::seganypet_train {

InteractionResult run_interaction(labkit::sammed3d::Sam3DImpl& model, const torch::Tensor& embedding,
                                  const torch::Tensor& click_target,
                                  const std::function<torch::Tensor(const torch::Tensor&)>& loss_of,
                                  const InteractionSettings& settings, std::mt19937_64& rng) {
  const int64_t B = click_target.size(0), L = model.config.low_res_size();
  auto prev = torch::zeros({B, 1, L, L, L}, embedding.options());
  torch::Tensor pred_mask, up, points, labels;
  torch::Tensor loss = torch::zeros({}, embedding.options());
  const int n = std::max(1, settings.iterations);
  int mask_only = -1;
  if (n >= 5) mask_only = std::uniform_int_distribution<int>(2, n - 3)(rng);
  for (int it = 0; it < n; ++it) {
    const bool no_points = n > 1 && (it == mask_only || it == n - 1);
    Clicks c = next_clicks(pred_mask, click_target, rng);  // drawn every round, as upstream's get_points
    if (settings.accumulate_clicks && points.defined()) {
      points = torch::cat({points, c.points}, 1);
      labels = torch::cat({labels, c.labels}, 1);
    } else {
      points = c.points, labels = c.labels;
    }
    auto pred = no_points ? model.decode(embedding, torch::Tensor(), torch::Tensor(), prev)
                          : model.decode(embedding, points, labels, prev);
    prev = pred.low_res_logits;
    up = model.upscale(prev);
    loss = loss + loss_of(up);
    pred_mask = (up.detach() > 0);
  }
  return {loss, up.detach()};
}

torch::Tensor click_dice(labkit::sammed3d::Sam3DImpl& model, const torch::Tensor& image, const torch::Tensor& target,
                         const std::vector<int>& at, std::mt19937_64& rng) {
  torch::NoGradGuard no_grad;
  const int64_t B = target.size(0), L = model.config.low_res_size();
  auto emb = model.encode(image);
  auto prev = torch::zeros({B, 1, L, L, L}, emb.options());
  torch::Tensor pred_mask, points, labels;
  auto out = torch::zeros({B, static_cast<int64_t>(at.size())});
  const int max_clicks = at.empty() ? 0 : *std::max_element(at.begin(), at.end());
  const auto tgt = target > 0.5;
  for (int k = 1; k <= max_clicks; ++k) {
    Clicks c = next_clicks(pred_mask, target, rng);
    points = points.defined() ? torch::cat({points, c.points}, 1) : c.points;
    labels = labels.defined() ? torch::cat({labels, c.labels}, 1) : c.labels;
    auto pred = model.decode(emb, points, labels, prev);
    prev = pred.low_res_logits;
    pred_mask = model.upscale(prev) > 0;
    auto pos = std::find(at.begin(), at.end(), k);
    if (pos == at.end()) continue;
    const std::vector<int64_t> dims{1, 2, 3, 4};
    auto inter = (pred_mask & tgt).sum(dims).to(torch::kFloat64);
    auto total = pred_mask.sum(dims).to(torch::kFloat64) + tgt.sum(dims).to(torch::kFloat64);
    out.index_put_({torch::indexing::Slice(), pos - at.begin()}, (2.0 * inter / total.clamp_min(1.0)).to(torch::kFloat32).cpu());
  }
  return out;
}

}  // namespace labkit::seganypet_train
