#include "calibrate.h"

#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <stdexcept>
#include <filesystem>

#include "labkit/core/error.h"
#include "labkit/core/log.h"
#include "labkit/core/progress.h"
#include "labkit/torchutil/tensor_files.h"
#include "layerwise.h"
#include "stiefel.h"

namespace labkit::ostquant_calibrate {

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

namespace {

std::string first_line(const std::string& s) { return s.substr(0, s.find('\n')); }

// Restores transforms, optimizer state and loss log from o.checkpoint; returns the step it holds. Every
// problem with the file (missing or misshapen tensors, NaN/inf, a step outside [0, steps], a log of
// another length) is an InputError naming it: the file is input to this run.
int64_t load_checkpoint(const TrainOptions& o, Transforms& t, RiemannianAdam& opt, TrainLog& log) {
  const auto& path = o.checkpoint;
  int64_t step = 0;
  try {
    auto ck = labkit::torchutil::load_safetensors(path);
    for (const auto& [k, v] : ck)
      if (v.is_floating_point() && !torch::isfinite(v).all().item<bool>())
        throw labkit::input_error(path, "tensor '" + k + "' holds NaN or inf values");
    torch::NoGradGuard ng;
    auto loaded = Transforms::from_map(ck, static_cast<int64_t>(t.R_ov.size()));
    auto dst = t.rotations(), src = loaded.rotations();
    auto dsc = t.scales(), ssc = loaded.scales();
    if (dst.size() != src.size() || dsc.size() != ssc.size())
      throw labkit::input_error(path, "holds other transforms than this run learns");
    for (size_t i = 0; i < dst.size(); ++i) dst[i].copy_(src[i]);
    for (size_t i = 0; i < dsc.size(); ++i) dsc[i].copy_(ssc[i]);
    opt.load_state(ck);
    step = opt.steps();
    if (step < 0 || step > o.steps)
      throw labkit::input_error(path, "holds step " + std::to_string(step) + ", outside [0, steps " +
                                          std::to_string(o.steps) + "]");
    if (!ck.count("log.loss") || !ck.count("log.ortho") || ck.at("log.loss").numel() != step ||
        ck.at("log.ortho").numel() != step)
      throw labkit::input_error(path, "its loss log does not have one entry per step (" + std::to_string(step) + ")");
    for (int64_t i = 0; i < step; ++i) {
      log.loss.push_back(ck.at("log.loss")[i].item<double>());
      log.ortho.push_back(ck.at("log.ortho")[i].item<double>());
    }
  } catch (const labkit::InputError&) {
    throw;
  } catch (const std::exception& e) {  // std::out_of_range for a missing tensor, c10::Error for a shape
    throw labkit::input_error(path, "not a checkpoint of this calibration: " + first_line(e.what()));
  }
  return step;
}

}  // namespace

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
    first = load_checkpoint(o, t, opt, log);
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
    labkit::torchutil::save_safetensors(o.checkpoint, m, {{"step", std::to_string(done)}});
  };
  const int64_t last = o.stop_after >= 0 ? std::min(o.steps, o.stop_after) : o.steps;
  labkit::Progress progress("calibrate " + o.label, o.steps, "step");
  progress.set(first);
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
    if (!std::isfinite(loss))  // a diverging run fails before it writes anything from the broken state
      throw std::runtime_error("calibration " + o.label + ": the KL-Top loss became " + std::to_string(loss) +
                               " at step " + std::to_string(step + 1) + " (learning rates too high?)");
    log.loss.push_back(loss);
    log.ortho.push_back(orthogonality_error(t));
    if (!std::isfinite(log.ortho.back()))
      throw std::runtime_error("calibration " + o.label + ": the rotations became non-finite at step " +
                               std::to_string(step + 1));
    if (log.ortho.back() > 1e-5) labkit::log::warn("orthogonality drift {:.3g} at step {}", log.ortho.back(), step);
    const bool stop = o.should_stop && o.should_stop() && step + 1 < last;
    if (!o.checkpoint.empty() && ((step + 1) % o.checkpoint_every == 0 || step + 1 == last || stop)) save(step + 1);
    progress.advance();
    if (stop)
      throw Interrupted("calibration " + o.label + " stopped on request after step " + std::to_string(step + 1) + " of " +
                        std::to_string(o.steps) +
                        (o.checkpoint.empty() ? std::string() : "; checkpoint " + o.checkpoint + ", continue with --resume"));
  }
  progress.finish();
  for (auto& r : t.rotations()) r.requires_grad_(false);
  for (auto& s : t.scales()) s.requires_grad_(false);
  log.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return log;
}

}  // namespace labkit::ostquant_calibrate
