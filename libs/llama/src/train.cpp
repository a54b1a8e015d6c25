#include "labkit/llama/train.h"

#include <torch/torch.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "labkit/core/atomic_file.h"
#include "labkit/core/error.h"
#include "labkit/distributed/replicas.h"
#include "labkit/llama/io.h"
#include "labkit/llama/lora.h"
#include "labkit/torchutil/archive_file.h"

namespace labkit::llama {

namespace fs = std::filesystem;

Model init_model(const Config& config, uint64_t seed, torch::ScalarType dtype) {
  config.validate("init_model");
  Model m;
  m.config = config;
  auto gen = at::detail::createCPUGenerator(seed);
  const double residual_std = 0.02 / std::sqrt(2.0 * static_cast<double>(config.n_layers));
  // expected_tensors lists names in a fixed order, so the draws (and the model) depend only on the seed.
  for (const auto& [name, shape] : expected_tensors(config)) {
    const bool norm = shape.size() == 1;
    const bool residual = name.find("o_proj") != std::string::npos || name.find("down_proj") != std::string::npos;
    m.weights[name] = norm ? torch::ones(shape, torch::kDouble)
                           : torch::randn(shape, gen, torch::kDouble) * (residual ? residual_std : 0.02);
    m.weights[name] = m.weights[name].to(dtype);
  }
  return m;
}

std::pair<torch::Tensor, int64_t> masked_nll_sum(const Model& model, const torch::Tensor& tokens,
                                                 const torch::Tensor& target_mask) {
  TORCH_CHECK(tokens.dim() == 2 && tokens.sizes() == target_mask.sizes() && tokens.size(1) >= 2,
              "masked_nll_sum: tokens and target_mask must both be [B, T >= 2]");
  const int64_t T = tokens.size(1);
  auto logits = forward(model, tokens.narrow(1, 0, T - 1));
  auto logp = torch::log_softmax(logits.to(torch::kFloat), -1);
  auto device = logits.device();
  auto targets = tokens.narrow(1, 1, T - 1).to(device);
  auto mask = target_mask.narrow(1, 1, T - 1).to(device).to(torch::kFloat);
  auto nll = -logp.gather(-1, targets.unsqueeze(-1)).squeeze(-1);
  const auto count = static_cast<int64_t>(mask.sum().item<double>());
  return {(nll * mask).sum(), count};
}

double learning_rate(const OptimizerSettings& s, int64_t step) {
  if (s.warmup_steps > 0 && step < s.warmup_steps)
    return s.lr * static_cast<double>(step + 1) / static_cast<double>(s.warmup_steps);
  const int64_t decay = std::max<int64_t>(1, s.total_steps - s.warmup_steps);
  const double t = std::min(1.0, static_cast<double>(step - s.warmup_steps) / static_cast<double>(decay));
  const double cosine = 0.5 * (1.0 + std::cos(M_PI * t));
  return s.lr * (s.min_lr_ratio + (1.0 - s.min_lr_ratio) * cosine);
}


Trainer::Trainer(Model& model, const OptimizerSettings& settings) : model_(model), s_(settings) {
  std::vector<torch::Tensor> decay, no_decay;
  if (model_.lora) {  // LoRA: only the adapters learn; the base weights stay frozen
    for (auto& [name, t] : model_.weights) t = t.detach().requires_grad_(false);
    for (auto& [name, ab] : model_.lora->ab)
      for (auto* t : {&ab.first, &ab.second}) {
        *t = t->detach().requires_grad_(true);
        params_.push_back(*t);
        decay.push_back(*t);
      }
  } else {
    for (auto& [name, t] : model_.weights) {
      t = t.detach().requires_grad_(true);
      params_.push_back(t);
      (t.dim() >= 2 ? decay : no_decay).push_back(t);
    }
  }
  auto opts = torch::optim::AdamWOptions(s_.lr).betas({s_.beta1, s_.beta2}).eps(s_.eps);
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(decay, std::make_unique<torch::optim::AdamWOptions>(opts.weight_decay(s_.weight_decay)));
  groups.emplace_back(no_decay, std::make_unique<torch::optim::AdamWOptions>(opts.weight_decay(0.0)));
  opt_ = std::make_unique<torch::optim::AdamW>(groups, opts);
}

Trainer::~Trainer() = default;

void Trainer::set_process_group(distributed::ProcessGroup* group) {
  group_ = group;
  if (group_) distributed::broadcast_from_rank0(*group_, params_);
}

StepResult Trainer::step(const std::vector<Batch>& micro) {
  StepResult r;
  for (const auto& b : micro) r.targets += b.target_mask.narrow(1, 1, b.target_mask.size(1) - 1).count_nonzero().item<int64_t>();
  const bool parallel = group_ && group_->world_size() > 1;
  if (parallel) {  // the mean is over every rank's targets
    r.targets = static_cast<int64_t>(distributed::sum_over_ranks(*group_, {static_cast<double>(r.targets)})[0]);
  }
  TORCH_CHECK(r.targets > 0, "Trainer::step: no target tokens in the batch");
  opt_->zero_grad();
  double loss_sum = 0;
  for (const auto& b : micro) {
    auto [sum, n] = masked_nll_sum(model_, b.tokens, b.target_mask);
    if (n == 0) continue;
    (sum / static_cast<double>(r.targets)).backward();
    loss_sum += sum.item<double>();
  }
  if (parallel) {
    distributed::reduce_gradients(*group_, params_, distributed::GradientReduction::kSum);
    loss_sum = distributed::sum_over_ranks(*group_, {loss_sum})[0];
  }
  r.loss = loss_sum / static_cast<double>(r.targets);
  r.grad_norm = torch::nn::utils::clip_grad_norm_(params_, s_.grad_clip > 0 ? s_.grad_clip : INFINITY);
  r.lr = learning_rate(s_, step_);
  for (auto& g : opt_->param_groups()) static_cast<torch::optim::AdamWOptions&>(g.options()).lr(r.lr);
  opt_->step();
  opt_->zero_grad();
  ++step_;
  return r;
}

void Trainer::save(const std::string& dir, const nlohmann::json& state) const {
  fs::create_directories(dir);
  if (model_.lora)
    save_peft(*model_.lora, (fs::path(dir) / "adapter").string(), "");
  else
    save_hf(model_, (fs::path(dir) / "model").string(), torch::kFloat);
  const auto opt = (fs::path(dir) / "optimizer.pt").string();
  torchutil::save_archive_atomically(opt, [&](torch::serialize::OutputArchive& ar) { opt_->save(ar); });
  write_file_atomically((fs::path(dir) / "trainer.json").string(),
                        nlohmann::json{{"step", step_}, {"state", state}}.dump(1) + "\n");
}

nlohmann::json Trainer::load(const std::string& dir) {
  const auto index = (fs::path(dir) / "trainer.json").string();
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(read_file(index));
  } catch (const nlohmann::json::exception& e) {
    throw input_error(index, std::string("not JSON: ") + e.what());
  }
  if (!j.is_object() || !j.contains("step") || !j["step"].is_number_integer() || j["step"].get<int64_t>() < 0 ||
      !j.contains("state"))
    throw input_error(index, "needs a non-negative integer \"step\" and a \"state\"");
  if (model_.lora) {
    const auto adapter_dir = (fs::path(dir) / "adapter").string();
    const LoraAdapters saved = load_peft(adapter_dir, model_.config);
    if (saved.ab.size() != model_.lora->ab.size() || saved.config.rank != model_.lora->config.rank)
      throw input_error(adapter_dir, "checkpoint adapters differ from this run's (rank or target modules)");
    torch::NoGradGuard ng;
    for (auto& [name, ab] : model_.lora->ab) {
      const auto it = saved.ab.find(name);
      if (it == saved.ab.end()) throw input_error(adapter_dir, "checkpoint has no adapter for " + name);
      ab.first.copy_(it->second.first.to(ab.first.scalar_type()));
      ab.second.copy_(it->second.second.to(ab.second.scalar_type()));
    }
  } else {
    const auto model_dir = (fs::path(dir) / "model").string();
    Model saved = load_hf(model_dir, torch::kFloat);
    const auto want = config_to_hf_json(model_.config), got = config_to_hf_json(saved.config);
    if (want != got) throw input_error(model_dir, "checkpoint architecture differs from this run's: " + got.dump());
    torch::NoGradGuard ng;
    for (auto& [name, t] : model_.weights) t.copy_(saved.weights.at(name).to(t.scalar_type()));
  }
  const auto opt = (fs::path(dir) / "optimizer.pt").string();
  if (!fs::exists(opt)) throw input_error(opt, "missing optimizer state of the checkpoint");
  try {
    torch::load(*opt_, opt);
  } catch (const std::exception& e) {  // truncated or foreign: c10::Error carries a C++ backtrace
    const std::string what = e.what();
    throw input_error(opt, "unreadable optimizer state: " + what.substr(0, what.find('\n')));
  }
  step_ = j["step"].get<int64_t>();
  return j["state"];
}

}  // namespace labkit::llama
