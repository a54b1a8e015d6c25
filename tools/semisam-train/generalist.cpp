#include "generalist.h"

#include <algorithm>
#include <chrono>

#include "click_sampler.h"
#include "labkit/core/error.h"
#include "labkit/sammed3d/checkpoint.h"

namespace labkit::semisam_train {

namespace F = torch::nn::functional;

namespace {

torch::Tensor resample_to_size(const torch::Tensor& x, std::vector<int64_t> size, bool nearest = false) {
  auto opts = F::InterpolateFuncOptions().size(size);
  if (nearest) return F::interpolate(x, opts.mode(torch::kNearest));
  return F::interpolate(x, opts.mode(torch::kTrilinear).align_corners(false));
}

}  // namespace

torch::Tensor to_generalist_axes(const torch::Tensor& zyx) { return zyx.permute({0, 1, 4, 3, 2}); }
torch::Tensor from_generalist_axes(const torch::Tensor& xyz) { return xyz.permute({0, 1, 4, 3, 2}); }

SamBranch::SamBranch(const SemisamSettings& s, UpstreamQuirks quirks, torch::Device device)
    : s_(s), q_(quirks), device_(device) {
  for (const auto& p : s_.generalists) {
    generalists_.push_back({p, nullptr});
    load(generalists_.back());
  }
}

void SamBranch::load(Generalist& g) {
  const auto t0 = std::chrono::steady_clock::now();
  const auto cfg = sammed3d::read_checkpoint_config(g.path);
  if (cfg.in_chans != 1) throw labkit::input_error(g.path, "a generalist must take 1 input channel");
  g.model = sammed3d::load_model(g.path, device_);  // every tensor name and shape checked: InputError naming the file
  g.model->eval();
  for (auto& p : g.model->parameters()) p.set_requires_grad(false);
  load_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ++loads_;
}

std::vector<torch::Tensor> SamBranch::prompt_one(Generalist& g, const torch::Tensor& image,
                                                 const torch::Tensor& foreground, std::mt19937_64& rng,
                                                 torch::Tensor& carried_mask, torch::Tensor& initial_mask) {
  auto& m = *g.model;
  const int64_t S = m.config.img_size, L = m.config.low_res_size();
  // The generalist works in its own (x, y, z) axis order; every map it returns goes back to (z, y, x).
  auto img = resample_to_size(to_generalist_axes(image.unsqueeze(0)), {S, S, S});
  auto fg = resample_to_size(to_generalist_axes(foreground.unsqueeze(0)), {S, S, S});  // (1, 1, S, S, S)
  const auto emb = m.encode(img);                          // once per patch
  auto probability = [&](const torch::Tensor& logits) {
    // Quirk 3: the release thresholds raw logits at 0.5; a probability map of 0/1 stands for that mask.
    return q_.logit_threshold ? (logits > 0.5).to(torch::kFloat32) : torch::sigmoid(logits);
  };
  if (s_.prompt == "mask") {
    auto prompt = resample_to_size(fg, {L, L, L}, /*nearest=*/true);
    auto up = m.upscale(m.decode(emb, torch::Tensor(), torch::Tensor(), prompt).low_res_logits);
    return {from_generalist_axes(probability(up))};
  }
  // point / unc: the click loop. The release's "GT" is prob > 0 of the channel it was given.
  const auto target = (q_.background_channel ? fg > 0 : fg > s_.threshold)[0][0].to(torch::kCPU);
  torch::Tensor prev = torch::zeros({1, 1, L, L, L}, img.options());
  if (q_.mask_leak && carried_mask.defined() && carried_mask.size(2) == L) prev = carried_mask;  // quirk 6
  initial_mask = prev;
  torch::Tensor pred = torch::zeros({S, S, S}, torch::kBool);
  std::vector<torch::Tensor> maps;
  for (int k = 0; k < s_.clicks; ++k) {
    const Click c = k < s_.ritm_clicks ? ritm_click(pred, target, rng, q_.ritm_wrong_voxel) : error_region_click(pred, target, rng);
    auto points = torch::tensor({float(c.voxel[0]), float(c.voxel[1]), float(c.voxel[2])}).view({1, 1, 3}).to(device_);
    auto labels = torch::full({1, 1}, c.positive ? 1 : 0, torch::kInt64).to(device_);
    prev = m.decode(emb, points, labels, prev).low_res_logits;
    const auto up = m.upscale(prev);
    const auto p = probability(up);
    pred = (p > 0.5)[0][0].to(torch::kCPU);
    maps.push_back(from_generalist_axes(p));
  }
  carried_mask = prev;
  return maps;
}

SamBranch::PseudoLabel SamBranch::pseudo_label(const torch::Tensor& images, const torch::Tensor& foreground,
                                               std::mt19937_64& rng) {
  torch::NoGradGuard no_grad;
  ++calls_;
  if (q_.reload_every_call)  // quirk 5: the release rebuilds the generalist from its checkpoint on every iteration
    for (auto& g : generalists_) load(g);
  const auto B = images.size(0);
  const std::vector<int64_t> size{images.size(2), images.size(3), images.size(4)};
  std::vector<torch::Tensor> probs, uncs, initial;
  for (auto& g : generalists_) {
    torch::Tensor carried;  // per generalist; reset per sample unless quirk 6
    for (int64_t b = 0; b < B; ++b) {
      if (!q_.mask_leak) carried = torch::Tensor();
      torch::Tensor start;
      auto maps = prompt_one(g, images[b], foreground[b], rng, carried, start);
      if (start.defined()) initial.push_back(start);
      for (auto& mp : maps) mp = resample_to_size(mp, size);
      probs.push_back(maps.back());
      if (s_.prompt == "unc") {
        maps.insert(maps.begin(), foreground[b].unsqueeze(0));  // the specialist's own map is the first of K
        uncs.push_back(torch::cat(maps, 0));                    // (K, 1, D, H, W)
      }
    }
  }
  const auto G = static_cast<int64_t>(generalists_.size());
  PseudoLabel out;
  // probs is ordered generalist-major: (G * B) -> (G, B, 1, D, H, W), mean over generalists.
  out.probability = torch::cat(probs, 0).view({G, B, 1, size[0], size[1], size[2]}).mean(0);
  const bool same_size = std::all_of(initial.begin(), initial.end(),
                                     [&](const torch::Tensor& t) { return t.sizes() == initial.front().sizes(); });
  if (!initial.empty() && static_cast<int64_t>(initial.size()) == G * B && same_size) {
    const auto L = initial.front().size(2);
    out.initial_masks = torch::cat(initial, 0).view({G, B, 1, L, L, L});
  }
  if (s_.prompt == "unc") {
    std::vector<torch::Tensor> per_sample;
    for (int64_t b = 0; b < B; ++b) {
      std::vector<torch::Tensor> stack;
      for (int64_t gi = 0; gi < G; ++gi) stack.push_back(uncs[gi * B + b]);
      auto all = torch::cat(stack, 0);  // (K_total, 1, D, H, W)
      // Quirk 2: the release takes one variance over every value of the stack.
      const auto per_voxel = (all - all.mean(0, /*keepdim=*/true)).pow(2).mean(0);
      per_sample.push_back(q_.scalar_variance ? torch::full_like(per_voxel, (all - all.mean()).pow(2).mean().item<double>())
                                   : per_voxel);
    }
    out.uncertainty = torch::stack(per_sample, 0);
  }
  return out;
}

torch::Tensor SamBranch::consistency(const torch::Tensor& images, const torch::Tensor& student_logits,
                                     std::mt19937_64& rng) {
  const auto soft = torch::softmax(student_logits, 1);
  // Quirk 1: the release prompts from channel 0, the background probability.
  const auto source = soft.detach().narrow(1, q_.background_channel ? 0 : 1, 1);
  const auto pl = pseudo_label(images, source, rng);
  last_probability_ = pl.probability;
  const auto m = (pl.probability > 0.5).to(soft.scalar_type());
  const auto target = torch::cat({1 - m, m}, 1);
  const auto d = (soft - target).pow(2);
  torch::Tensor loss;
  if (s_.prompt != "unc") {
    loss = d.mean();
  } else if (q_.normalised_loss) {
    const auto& u = pl.uncertainty;
    loss = (d * u).mean() / (u.mean() + 1e-8) + u.mean();
  } else {
    const auto w = (1 - 4 * pl.uncertainty).clamp_min(0);
    loss = (d * w).sum() / (2 * w.sum() + 1e-8);
  }
  if (q_.normalised_loss) loss = loss.sum() / (loss.sum() + 1e-16);  // quirk 4: ~1 with ~0 gradient
  return loss;
}

nlohmann::json SamBranch::describe() {
  nlohmann::json j{{"prompt", s_.prompt}, {"upstream_quirks", q_.any()}, {"load_seconds", load_seconds_},
                   {"loads", loads_}, {"calls", calls_}, {"checkpoints", nlohmann::json::array()}};
  for (auto& g : generalists_)
    j["checkpoints"].push_back({{"path", g.path}, {"img_size", g.model->config.img_size},
                                {"parameters", sammed3d::parameter_count(*g.model)}});
  return j;
}

}  // namespace labkit::semisam_train
