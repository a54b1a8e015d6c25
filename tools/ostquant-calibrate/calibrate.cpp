#include "calibrate.h"

#include <torch/torch.h>

#include <chrono>
#include <filesystem>

#include "labkit/core/log.h"
#include "labkit/torch/tensor_files.h"
#include "layerwise.h"
#include "stiefel.h"

namespace ostq {

using labkit::llama::layer_key;

torch::Tensor kl_top_loss(const torch::Tensor& teacher_logits, const torch::Tensor& student_logits, int64_t k) {
  const int64_t V = teacher_logits.size(-1);
  k = std::min(k, V);
  auto lp = torch::log_softmax(teacher_logits.detach().to(torch::kFloat), -1);
  auto lq = torch::log_softmax(student_logits.to(torch::kFloat), -1);
  auto idx = std::get<1>(teacher_logits.detach().topk(k, -1));
  auto lp_k = lp.gather(-1, idx), lq_k = lq.gather(-1, idx);
  const double tokens = static_cast<double>(teacher_logits.numel() / V);
  return (lp_k.exp() * (lp_k - lq_k)).sum() / tokens;
}

labkit::llama::Model fake_quant_weights(const labkit::llama::Model& transformed, int w_bits, bool clip_search) {
  if (w_bits >= 16) return transformed;
  labkit::llama::Model m = transformed;  // shares tensors; the quantized ones are replaced below
  for (int64_t l = 0; l < m.config.n_layers; ++l)
    for (const char* s : kQuantizedLinears) {
      auto& w = m.weights[layer_key(l, s)];
      w = fake_quant_weight_sym(w, w_bits, clip_search);
    }
  return m;
}

TrainLog train_transforms(const labkit::llama::Model& teacher, const labkit::llama::Model& fused, Transforms& t,
                          const QuantSetting& setting, const std::vector<TokenStream>& calib, const TrainOptions& o) {
  TrainLog log;
  const auto start = std::chrono::steady_clock::now();
  std::vector<RiemannianAdam::Group> groups;
  if (o.learn_rotations) {
    auto rot = t.rotations();
    for (auto& r : rot) r.requires_grad_(true);
    groups.push_back({rot, o.rotate_lr, true});
  }
  if (o.learn_scales) {
    auto sc = t.scales();
    for (auto& s : sc) s.requires_grad_(true);
    groups.push_back({sc, o.smooth_lr, false});
  }
  RiemannianAdam opt(groups);
  int64_t first = 0;
  if (o.resume && !o.checkpoint.empty() && std::filesystem::exists(o.checkpoint)) {
    auto ck = labkit::torchio::load_safetensors(o.checkpoint);
    torch::NoGradGuard ng;
    auto loaded = Transforms::from_map(ck, static_cast<int64_t>(t.R_ov.size()));
    auto dst = t.rotations(), src = loaded.rotations();
    for (size_t i = 0; i < dst.size(); ++i) dst[i].copy_(src[i]);
    auto dsc = t.scales(), ssc = loaded.scales();
    for (size_t i = 0; i < dsc.size(); ++i) dsc[i].copy_(ssc[i]);
    opt.load_state(ck);
    first = opt.steps();
    for (int64_t i = 0; ck.count("log.loss") && i < ck["log.loss"].numel(); ++i) {
      log.loss.push_back(ck["log.loss"][i].item<double>());
      log.ortho.push_back(ck["log.ortho"][i].item<double>());
    }
    log.resumed_from = first;
    labkit::log::info("resumed calibration at step {} from {}", first, o.checkpoint);
  }
  auto hooks = activation_quant_hooks(setting, fused.config.head_dim);
  auto device = fused.w("model.embed_tokens.weight").device();
  const int64_t n = static_cast<int64_t>(calib.size());
  auto save = [&](int64_t done) {
    auto m = t.to_map();
    for (auto& [k, v] : opt.state()) m[k] = v;
    m["log.loss"] = torch::tensor(log.loss, torch::kDouble);
    m["log.ortho"] = torch::tensor(log.ortho, torch::kDouble);
    labkit::torchio::save_safetensors(o.checkpoint, m, {{"step", std::to_string(done)}});
  };
  const int64_t last = o.stop_after >= 0 ? std::min(o.steps, o.stop_after) : o.steps;
  for (int64_t step = first; step < last; ++step) {
    // The batch of each step depends only on (seed, step): a resumed run sees the same data.
    auto gen = at::detail::createCPUGenerator(o.seed * 1000003 + static_cast<uint64_t>(step));
    auto pick = torch::randperm(n, gen, torch::kLong).narrow(0, 0, std::min(o.batch, n));
    std::vector<torch::Tensor> rows;
    for (int64_t i = 0; i < pick.size(0); ++i) rows.push_back(torch::tensor(calib[pick[i].item<int64_t>()], torch::kLong));
    auto tokens = torch::stack(rows).to(device);
    torch::Tensor target;
    {
      torch::NoGradGuard ng;
      target = labkit::llama::forward(teacher, tokens);
    }
    auto student = apply_transforms(fused, t);
    if (o.train_wquant) student = fake_quant_weights(student, setting.w_bits, true);
    opt.zero_grad();
    const double loss = o.layerwise_backward ? kl_top_backward_layerwise(student, tokens, target, o.kl_top, &hooks)
                                             : kl_top_backward_full(student, tokens, target, o.kl_top, &hooks);
    student = labkit::llama::Model();  // frees the transformed weights' graph before the update
    opt.step(1.0 - static_cast<double>(step) / static_cast<double>(o.steps));  // linear decay, no warm-up
    log.loss.push_back(loss);
    log.ortho.push_back(orthogonality_error(t));
    if (log.ortho.back() > 1e-5) labkit::log::warn("orthogonality drift {:.3g} at step {}", log.ortho.back(), step);
    if (!o.checkpoint.empty() && ((step + 1) % o.checkpoint_every == 0 || step + 1 == last)) save(step + 1);
  }
  for (auto& r : t.rotations()) r.requires_grad_(false);
  for (auto& s : t.scales()) s.requires_grad_(false);
  log.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return log;
}

}  // namespace ostq
