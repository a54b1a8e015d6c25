#include "lm.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <chrono>
#include <filesystem>
#include <random>
#include <sstream>

#include "labkit/core/atomic_file.h"
#include "labkit/core/checkpoint_dir.h"
#include "labkit/core/error.h"
#include "labkit/core/log.h"
#include "labkit/core/progress.h"
#include "labkit/core/termination.h"
#include "labkit/distributed/process_group.h"
#include "labkit/llama/eval.h"
#include "labkit/llama/io.h"
#include "labkit/llama/lora.h"
#include "labkit/llama/train.h"

namespace labkit::cognidual_train {

namespace fs = std::filesystem;
namespace ll = labkit::llama;

namespace {

std::unique_ptr<labkit::distributed::ProcessGroup>& data_parallel_group() {
  static std::unique_ptr<labkit::distributed::ProcessGroup> group;
  return group;
}

}  // namespace

nlohmann::json join_data_parallel() {
  const auto env = labkit::distributed::launch_env_from_environment();
  auto& group = data_parallel_group();
  if (!group) group = labkit::distributed::ProcessGroup::create(env, torch::kCPU);
  return {{"rank", group->rank()}, {"world_size", group->world_size()}, {"backend", group->backend()}, {"source", env.source}};
}

struct LanguageModel::Impl {
  ll::Model model;
};

LanguageModel::LanguageModel(const nlohmann::json& s, int64_t vocab, uint64_t seed) : impl_(std::make_unique<Impl>()) {
  ll::Config c;
  c.dim = s.at("dim"), c.hidden = s.at("hidden"), c.n_layers = s.at("layers"), c.n_heads = s.at("heads");
  c.n_kv_heads = s.at("kv_heads"), c.seq_len = s.at("seq_len"), c.vocab = vocab;
  c.head_dim = c.n_heads > 0 ? c.dim / c.n_heads : 0;
  c.validate("config model");
  impl_->model = ll::init_model(c, seed);
}

LanguageModel::LanguageModel(const std::string& path) : impl_(std::make_unique<Impl>()) {
  impl_->model = ll::load_model(path, torch::kFloat);
}

LanguageModel::LanguageModel(const LanguageModel& other) : impl_(std::make_unique<Impl>()) {
  impl_->model = other.impl_->model.clone();
  for (auto& [k, t] : impl_->model.weights) t = t.detach();
}

LanguageModel::~LanguageModel() = default;

void LanguageModel::save(const std::string& hf_dir) const {
  // Into a temporary folder, renamed when complete: a folder under the final name is always whole.
  const std::string tmp = hf_dir + ".tmp";
  fs::remove_all(tmp);
  ll::save_hf(impl_->model.lora ? ll::merge_lora(impl_->model, *impl_->model.lora) : impl_->model, tmp, torch::kFloat);
  fs::remove_all(hf_dir);
  fs::rename(tmp, hf_dir);
}

void LanguageModel::attach_lora(const LoraPlan& plan, uint64_t seed) {
  ll::LoraConfig c;
  c.rank = plan.rank, c.alpha = plan.alpha, c.targets = plan.targets;
  impl_->model.lora = std::make_shared<ll::LoraAdapters>(ll::init_lora(impl_->model, c, seed));
}

void LanguageModel::save_lora(const std::string& dir) const {
  if (!impl_->model.lora) throw std::logic_error("save_lora: no adapters attached");
  const std::string tmp = dir + ".tmp";
  fs::remove_all(tmp);
  ll::save_peft(*impl_->model.lora, tmp, "");
  fs::remove_all(dir);
  fs::rename(tmp, dir);
}

int64_t LanguageModel::parameters() const {
  int64_t n = 0;
  for (const auto& [k, t] : impl_->model.weights) n += t.numel();
  return n;
}

int64_t LanguageModel::seq_len() const { return impl_->model.config.seq_len; }
int64_t LanguageModel::vocab_size() const { return impl_->model.config.vocab; }

namespace {

// A padded batch: pad id 0 after each sequence, targets only on completion tokens.
ll::Batch make_batch(const std::vector<const Sequence*>& rows) {
  size_t T = 0;
  for (const auto* r : rows) T = std::max(T, r->tokens.size());
  auto tokens = torch::zeros({static_cast<int64_t>(rows.size()), static_cast<int64_t>(T)}, torch::kLong);
  auto mask = torch::zeros_like(tokens);
  auto tok = tokens.accessor<int64_t, 2>();
  auto msk = mask.accessor<int64_t, 2>();
  for (size_t b = 0; b < rows.size(); ++b)
    for (size_t t = 0; t < rows[b]->tokens.size(); ++t) {
      tok[b][t] = rows[b]->tokens[t];
      msk[b][t] = static_cast<int64_t>(t) >= rows[b]->prompt_len ? 1 : 0;
    }
  return {tokens, mask};
}

struct Checkpoint {
  std::string dir;  // checkpoint_dir/step-N
  int64_t step = 0;
};

// checkpoint_dir/latest.json names the newest complete step folder; it is written last, atomically.
Checkpoint latest_checkpoint(const std::string& root) {
  const auto index = (fs::path(root) / "latest.json").string();
  if (!fs::exists(index)) return {};
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(read_file(index));
  } catch (const nlohmann::json::exception& e) {
    throw input_error(index, std::string("unreadable checkpoint index: ") + e.what());
  }
  if (!j.is_object() || !j.contains("dir") || !j["dir"].is_string() || j["dir"].get<std::string>().find('/') != std::string::npos)
    throw input_error(index, "not a checkpoint index (needs a folder name \"dir\")");
  return {(fs::path(root) / j["dir"].get<std::string>()).string(), 0};
}

}  // namespace

Curve LanguageModel::train(const std::vector<Sequence>& data, const TrainPlan& plan, uint64_t seed,
                           const std::string& checkpoint_dir, bool resume, const std::string& label) {
  if (data.empty()) throw std::runtime_error(label + ": no training sequences");
  ll::OptimizerSettings o;
  o.lr = plan.lr, o.min_lr_ratio = plan.min_lr_ratio, o.warmup_steps = plan.warmup_steps, o.total_steps = plan.steps;
  o.weight_decay = plan.weight_decay, o.grad_clip = plan.grad_clip, o.bf16_autocast = plan.bf16;
  ll::Trainer trainer(impl_->model, o);
  std::mt19937_64 rng(seed);
  Curve curve;
  if (resume) {
    const auto ck = latest_checkpoint(checkpoint_dir);
    if (!ck.dir.empty()) {
      const auto state = trainer.load(ck.dir);
      std::istringstream(state.at("rng").get<std::string>()) >> rng;
      curve = state.at("curve").get<Curve>();
      log::info("{}: resuming after step {}", label, trainer.steps_done());
    }
  }
  auto save = [&] {
    std::ostringstream r;
    r << rng;
    const std::string name = fmt::format("step-{:06d}", trainer.steps_done());
    trainer.save((fs::path(checkpoint_dir) / name).string(), {{"rng", r.str()}, {"curve", curve}});
    commit_checkpoint(checkpoint_dir, name, nlohmann::json{{"dir", name}}.dump() + "\n");
  };
  fs::create_directories(checkpoint_dir);
  const int64_t micro = std::max<int64_t>(1, plan.batch_size / plan.accumulation_steps);
  auto* group = data_parallel_group().get();
  const int64_t world = group ? group->world_size() : 1, rank = group ? group->rank() : 0;
  if (micro < world)
    throw std::runtime_error(fmt::format("{}: batch_size / accumulation_steps = {} rows cannot be shared by {} ranks", label,
                                         micro, world));
  trainer.set_process_group(group);
  Progress progress(label, plan.steps, "step");
  progress.set(trainer.steps_done());
  std::uniform_int_distribution<size_t> pick(0, data.size() - 1);
  while (trainer.steps_done() < plan.steps) {
    std::vector<ll::Batch> batches;
    for (int64_t a = 0; a < plan.accumulation_steps; ++a) {
      std::vector<const Sequence*> rows;
      // Every rank draws the whole global batch (the same stream), then keeps its rows.
      for (int64_t i = 0; i < micro; ++i) {
        const auto* row = &data[pick(rng)];
        if (i % world == rank) rows.push_back(row);
      }
      batches.push_back(make_batch(rows));
    }
    const auto r = trainer.step(batches);
    if (!std::isfinite(r.loss))
      throw std::runtime_error(fmt::format("{}: the loss became {} at step {} (learning rate too high?)", label, r.loss,
                                           trainer.steps_done()));
    curve.emplace_back(trainer.steps_done(), r.loss);
    progress.advance();
    const bool stop = sigterm_received();
    if (stop || trainer.steps_done() % plan.checkpoint_every == 0 || trainer.steps_done() == plan.steps) save();
    if (stop)
      throw std::runtime_error(fmt::format("SIGTERM: {} stopped after step {} with a checkpoint; continue with --resume",
                                           label, trainer.steps_done()));
  }
  progress.finish();
  for (auto& [k, t] : impl_->model.weights) t = t.detach().requires_grad_(false);
  if (impl_->model.lora)
    for (auto& [k, ab] : impl_->model.lora->ab) ab = {ab.first.detach(), ab.second.detach()};
  return curve;
}

std::vector<Generation> LanguageModel::generate(const std::vector<int64_t>& prompt, int64_t max_new_tokens,
                                                double temperature, double top_p, int64_t samples, uint64_t seed,
                                                int64_t stop_token) const {
  ll::GenerateOptions o;
  o.max_new_tokens = max_new_tokens, o.temperature = temperature, o.top_p = top_p, o.seed = seed;
  o.stop_token = stop_token;
  const auto t0 = std::chrono::steady_clock::now();
  auto rows = ll::generate_batch(impl_->model, std::vector<ll::TokenStream>(samples, prompt), o);
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  std::vector<Generation> out;
  for (auto& r : rows) out.push_back({std::move(r), ms / static_cast<double>(samples)});
  return out;
}

}  // namespace labkit::cognidual_train
