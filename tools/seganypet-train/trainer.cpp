#include "trainer.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <numeric>
#include <stdexcept>

#include <fmt/format.h>

#include "cpcl.h"
#include "interaction.h"
#include "labkit/core/atomic_file.h"
#include "labkit/core/checkpoint_dir.h"
#include "labkit/core/error.h"
#include "labkit/core/json_file.h"
#include "labkit/core/log.h"
#include "labkit/core/progress.h"
#include "labkit/core/timer.h"
#include "labkit/distributed/replicas.h"
#include "labkit/sammed3d/checkpoint.h"
#include "labkit/torchutil/archive_file.h"
#include "loss.h"
#include "labkit/core/termination.h"

namespace labkit::seganypet_train {

namespace fs = std::filesystem;
namespace sm = labkit::sammed3d;

namespace {

// Independent, reproducible random streams per (seed, epoch, step, rank).
uint64_t mix(uint64_t a, uint64_t b) {
  uint64_t x = a ^ (b + 0x9e3779b97f4a7c15ULL + (a << 6) + (a >> 2));
  x ^= x >> 31;
  x *= 0xbf58476d1ce4e5b9ULL;
  return x ^ (x >> 29);
}

torch::Tensor stack_field(const std::vector<const Sample*>& items, torch::Tensor Sample::*field) {
  std::vector<torch::Tensor> v;
  for (const auto* s : items) v.push_back(s->*field);
  return torch::stack(v, 0);
}

}  // namespace

struct Trainer::Replica {
  sm::Sam3D model{nullptr};
  std::unique_ptr<torch::optim::AdamW> optimizer;
  std::vector<torch::Tensor> params;  // in a fixed order for the gradient all-reduce
};

Trainer::Trainer(TrainSettings settings, std::vector<Sample> train, std::vector<Sample> val, labkit::Run& run,
                 labkit::distributed::ProcessGroup& group, torch::Device device)
    : s_(std::move(settings)), train_(std::move(train)), val_(std::move(val)), run_(run), group_(group), device_(device) {
  const int n_models = s_.cpcl.enabled ? 2 : 1;
  for (int m = 0; m < n_models; ++m) {
    auto r = std::make_unique<Replica>();
    if (!s_.init_checkpoint.empty()) {
      r->model = sm::load_model(s_.init_checkpoint, device_);
    } else {
      // The two CPCL models start from different initialisations: their disagreement is the signal.
      r->model = sm::init_model(sm::SamConfig::named_or_file(s_.model), run.seed() * 2 + static_cast<uint64_t>(m));
      r->model->to(device_);
    }
    const int64_t S = r->model->config.img_size;
    if (!train_.empty() && train_[0].image.size(1) != S)
      throw labkit::InputError("internal: samples were cropped for another model size");
    // Encoder at lr, prompt encoder + mask decoder at decoder_lr_scale * lr (upstream 0.1).
    std::vector<torch::Tensor> enc, rest;
    for (auto& p : r->model->named_parameters()) {
      (p.key().rfind("image_encoder.", 0) == 0 ? enc : rest).push_back(p.value());
      r->params.push_back(p.value());
    }
    std::vector<torch::optim::OptimizerParamGroup> groups;
    auto opts = [&](double lr) {
      return std::make_unique<torch::optim::AdamWOptions>(
          torch::optim::AdamWOptions(lr).betas({0.9, 0.999}).weight_decay(s_.weight_decay));
    };
    groups.emplace_back(enc, opts(s_.lr));
    groups.emplace_back(rest, opts(s_.lr * s_.decoder_lr_scale));
    r->optimizer = std::make_unique<torch::optim::AdamW>(groups, torch::optim::AdamWOptions(s_.lr));
    // Identical replicas on every rank whatever happened before.
    std::vector<torch::Tensor> state;
    for (auto& p : r->model->parameters()) state.push_back(p.data());
    for (auto& b : r->model->buffers()) state.push_back(b.data());
    distributed::broadcast_from_rank0(group_, state);
    models_.push_back(std::move(r));
  }
}

Trainer::~Trainer() = default;

void Trainer::set_learning_rate(int epoch) {
  double factor = 1.0;
  for (double m : s_.lr_milestones)
    if (epoch >= static_cast<int>(std::lround(m * s_.epochs))) factor *= s_.lr_gamma;
  for (auto& r : models_) {
    auto& groups = r->optimizer->param_groups();
    static_cast<torch::optim::AdamWOptions&>(groups[0].options()).lr(s_.lr * factor);
    static_cast<torch::optim::AdamWOptions&>(groups[1].options()).lr(s_.lr * s_.decoder_lr_scale * factor);
  }
}

void Trainer::average_gradients(Replica& r) {
  // Zero gradients even alone: AdamW then treats a parameter a batch missed the same in every world size.
  for (auto& p : r.params)
    if (!p.grad().defined()) p.mutable_grad() = torch::zeros_like(p);
  distributed::reduce_gradients(group_, r.params);
}

struct Trainer::CpclStats {
  double flagged = 0, flipped = 0, ignored = 0, lq_voxels = 0, errors_before = 0, errors_after = 0;
  int64_t lq_samples = 0, rectified_samples = 0;
};

torch::Tensor Trainer::train_step(const std::vector<const Sample*>& mine, double share, bool cpcl_active,
                                  std::mt19937_64& rng, CpclStats& st) {
  auto image = stack_field(mine, &Sample::image).to(device_);
  auto label = stack_field(mine, &Sample::label).to(device_);
  auto clean = stack_field(mine, &Sample::clean).to(device_);  // diagnostics only
  std::vector<bool> low_quality;
  for (const auto* s : mine) low_quality.push_back(!s->high_quality);
  if (s_.random_flip) {  // upstream RandomFlip(axes 0, 1, 2), p = 0.5 per axis and sample
    for (size_t b = 0; b < mine.size(); ++b)
      for (int64_t axis = 2; axis <= 4; ++axis)
        if (std::bernoulli_distribution(0.5)(rng)) {
          image[b].copy_(image[b].flip({axis - 1}));
          label[b].copy_(label[b].flip({axis - 1}));
          clean[b].copy_(clean[b].flip({axis - 1}));
        }
  }
  std::vector<torch::Tensor> emb;
  {
    labkit::ScopedTimer t(run_.timings(), "encode");
    for (auto& r : models_) emb.push_back(r->model->encode(image));
  }
  torch::Tensor target = label, weight;
  if (cpcl_active) {
    labkit::ScopedTimer timer(run_.timings(), "cpcl_targets");
    auto t = cpcl_targets(*models_[0]->model, *models_[1]->model, emb[0].detach(), emb[1].detach(), label,
                          low_quality, s_.cpcl.passes, s_.cpcl.min_agreement, rng, clean);
    target = t.target, weight = t.weight;
    st.flagged += t.flagged, st.flipped += t.flipped, st.ignored += t.ignored, st.lq_voxels += t.label_voxels;
    st.lq_samples += t.samples, st.rectified_samples += t.rectified_samples;
    st.errors_before += t.errors_before, st.errors_after += t.errors_after;
  }
  const double wn = cpcl_active ? s_.cpcl.noisy_label_weight : 0.0;
  auto loss_of = [&](const torch::Tensor& up) {
    auto l = dice_ce_loss(up, target, weight);
    return wn > 0 ? (1 - wn) * l + wn * dice_ce_loss(up, label) : l;
  };
  torch::Tensor total = torch::zeros({}, torch::TensorOptions().device(device_));
  {
    labkit::ScopedTimer timer(run_.timings(), "interaction");
    for (size_t m = 0; m < models_.size(); ++m)
      total = total + run_interaction(*models_[m]->model, emb[m], target, loss_of, s_.interaction, rng).loss;
  }
  labkit::ScopedTimer timer(run_.timings(), "backward");
  (total * share / s_.accumulation_steps).backward();
  return total;
}

void Trainer::train_epoch(int epoch, nlohmann::json& entry) {
  const int world = group_.world_size(), rank = group_.rank();
  std::vector<size_t> order(train_.size());
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 shuffle_rng(mix(run_.seed(), 1000 + epoch));
  std::shuffle(order.begin(), order.end(), shuffle_rng);
  const size_t gbs = static_cast<size_t>(s_.batch_size);
  const int64_t steps = static_cast<int64_t>((order.size() + gbs - 1) / gbs);
  const bool cpcl_active = s_.cpcl.enabled && epoch >= s_.cpcl.start_epoch;
  for (auto& r : models_) r->model->train(), r->optimizer->zero_grad();
  double loss_sum = 0;
  CpclStats st;
  labkit::Progress progress("epoch " + std::to_string(epoch + 1) + "/" + std::to_string(s_.epochs), steps, "step");
  for (int64_t step = 0; step < steps; ++step) {
    std::vector<const Sample*> mine;
    const size_t begin = step * gbs, end = std::min(order.size(), begin + gbs);
    for (size_t i = begin; i < end; ++i)
      if (static_cast<int>(i % world) == rank) mine.push_back(&train_[order[i]]);
    std::mt19937_64 rng(mix(mix(run_.seed(), epoch), mix(step, rank)));
    // Each rank's share of the global batch, so that averaging over ranks gives the batch mean.
    const double share = double(mine.size()) * world / double(end - begin);
    const double total = mine.empty() ? 0.0 : train_step(mine, share, cpcl_active, rng, st).item<double>();
    if ((step + 1) % s_.accumulation_steps == 0 || step + 1 == steps) {
      labkit::ScopedTimer timer(run_.timings(), "optimizer_step");
      for (auto& r : models_) {
        average_gradients(*r);
        r->optimizer->step();
        r->optimizer->zero_grad();
      }
    }
    // The loss and the stop request travel together, so that every rank stops after the same step.
    std::vector<torch::Tensor> l{
        torch::tensor({total * double(mine.size()), labkit::sigterm_received() ? 1.0 : 0.0}, torch::kFloat64)};
    if (world > 1) group_.all_reduce_sum(l);
    if (l[0][1].item<double>() > 0)
      throw Interrupted(fmt::format("SIGTERM: stopped in epoch {} after step {} of {}; the checkpoint of epoch {} is "
                                    "kept, continue with --resume",
                                    epoch + 1, step + 1, steps, epoch));
    if (!std::isfinite(l[0][0].item<double>()))  // a diverging run fails instead of writing a broken model
      throw std::runtime_error(fmt::format("epoch {} step {}: the training loss became {} (learning rate too high?)",
                                           epoch + 1, step + 1, l[0][0].item<double>()));
    loss_sum += l[0][0].item<double>();
    progress.advance();
  }
  progress.finish();
  entry["train_loss"] = loss_sum / double(std::max<size_t>(1, order.size())) / double(models_.size()) /
                        double(s_.interaction.iterations);
  entry["cpcl_active"] = cpcl_active;
  if (cpcl_active && st.lq_voxels > 0) {
    // Fractions of the low-quality label voxels on this rank's share (the replicas agree on the models).
    entry["cpcl"] = {{"flagged_per_label_voxel", st.flagged / st.lq_voxels},
                     {"flipped_per_label_voxel", st.flipped / st.lq_voxels},
                     {"ignored_per_label_voxel", st.ignored / st.lq_voxels},
                     {"low_quality_samples", st.lq_samples},
                     {"rectified_samples", st.rectified_samples}};
    // Against the exact labels when the manifest has them (simulated noise).
    if (std::any_of(train_.begin(), train_.end(), [](const Sample& s) { return !s.high_quality && s.exact_known; })) {
      entry["cpcl"]["label_errors_before_per_label_voxel"] = st.errors_before / st.lq_voxels;
      entry["cpcl"]["label_errors_after_per_label_voxel"] = st.errors_after / st.lq_voxels;
    }
  }
}

nlohmann::json Trainer::validate() {
  nlohmann::json out = nlohmann::json::object();
  if (val_.empty()) return out;
  auto& model = *models_[0]->model;
  model.eval();
  std::mt19937_64 rng(mix(run_.seed(), 0x5eed));  // the same clicks every epoch
  std::vector<double> sums(s_.val_clicks.size(), 0.0);
  for (size_t i = 0; i < val_.size(); i += static_cast<size_t>(s_.batch_size)) {
    std::vector<const Sample*> items;
    for (size_t j = i; j < std::min(val_.size(), i + s_.batch_size); ++j) items.push_back(&val_[j]);
    auto d = click_dice(model, stack_field(items, &Sample::image).to(device_),
                        stack_field(items, &Sample::clean).to(device_), s_.val_clicks, rng);
    for (size_t k = 0; k < sums.size(); ++k) sums[k] += d.select(1, k).sum().item<double>();
  }
  // Lists aligned with the ascending click counts (a dictionary keyed "1", "10", "3" would sort as text).
  out["clicks"] = s_.val_clicks;
  out["dice"] = nlohmann::json::array();
  for (size_t k = 0; k < sums.size(); ++k) out["dice"].push_back(sums[k] / double(val_.size()));
  return out;
}

void Trainer::save_checkpoint(int epoch) {
  // A new folder per epoch; latest.json, written last and atomically, is the commit point, so a crash
  // at any moment leaves the previous checkpoint usable.
  const fs::path root = run_.out().file("checkpoint");
  char name[32];
  std::snprintf(name, sizeof name, "epoch-%04d", epoch + 1);
  const fs::path dir = root / name;
  fs::create_directories(dir);
  for (size_t m = 0; m < models_.size(); ++m) {
    const std::string tag = m == 0 ? "a" : "b";
    sm::save_model(*models_[m]->model, (dir / ("model_" + tag + ".safetensors")).string());
    const auto opt = dir / ("optimizer_" + tag + ".pt");
    labkit::torchutil::save_archive_atomically(
        opt.string(), [&](torch::serialize::OutputArchive& ar) { models_[m]->optimizer->save(ar); });
  }
  nlohmann::json latest{{"epoch", epoch + 1}, {"dir", name}, {"history", history_}, {"models", models_.size()}};
  labkit::commit_checkpoint(root.string(), name, latest.dump(2));
}

int Trainer::load_checkpoint() {
  const fs::path root = run_.out().file("checkpoint");
  const fs::path latest = root / "latest.json";
  if (!fs::exists(latest)) return 0;
  const std::string where = latest.string();
  const nlohmann::json j = labkit::read_json_file(where, "the checkpoint index");
  // Everything the index claims is checked against this run before any of it is used.
  if (!j.is_object() || !j.contains("epoch") || !j["epoch"].is_number_integer() || !j.contains("dir") ||
      !j["dir"].is_string() || !j.contains("history") || !j["history"].is_array())
    throw labkit::input_error(where, "not a checkpoint index (needs integer \"epoch\", \"dir\" and a \"history\" list)");
  if (j.value("models", 0) != static_cast<int>(models_.size()))
    throw labkit::input_error(where, "checkpoint has " + std::to_string(j.value("models", 0)) +
                                         " model(s) but this config trains " + std::to_string(models_.size()) +
                                         " (cpcl.enabled changed?)");
  const int64_t epoch = j["epoch"].get<int64_t>();
  if (epoch < 1 || epoch > s_.epochs)
    throw labkit::input_error(where, fmt::format("epoch {} is outside 1..{} (the configured epochs)", epoch, s_.epochs));
  if (j["dir"].get<std::string>() != fmt::format("epoch-{:04d}", epoch))
    throw labkit::input_error(where, fmt::format("dir \"{}\" does not belong to epoch {}", j["dir"].get<std::string>(), epoch));
  if (static_cast<int64_t>(j["history"].size()) != epoch)
    throw labkit::input_error(where, fmt::format("history has {} entries for {} epochs", j["history"].size(), epoch));
  const fs::path dir = root / j["dir"].get<std::string>();
  for (size_t m = 0; m < models_.size(); ++m) {
    const std::string tag = m == 0 ? "a" : "b";
    sm::load_weights(*models_[m]->model, (dir / ("model_" + tag + ".safetensors")).string());  // names, shapes, NaN
    const auto opt = (dir / ("optimizer_" + tag + ".pt")).string();
    if (!fs::exists(opt)) throw labkit::input_error(opt, "missing optimizer state of the checkpoint");
    try {
      torch::load(*models_[m]->optimizer, opt);
    } catch (const std::exception& e) {  // a truncated or foreign file: c10::Error with a C++ backtrace
      const std::string what = e.what();
      throw labkit::input_error(opt, "unreadable optimizer state: " + what.substr(0, what.find('\n')));
    }
  }
  history_ = j["history"];
  return static_cast<int>(epoch);
}

void Trainer::train() {
  int start = 0;
  if (run_.resume()) {
    start = load_checkpoint();
    labkit::log::info(start ? "resuming after epoch {}" : "no checkpoint in --out; starting at epoch {}", start);
  }
  labkit::log::info("training {} model(s) of {} parameters on {} targets ({} low-quality), {} validation targets, "
                    "rank {}/{}",
                    models_.size(), sm::parameter_count(*models_[0]->model), train_.size(),
                    std::count_if(train_.begin(), train_.end(), [](const Sample& s) { return !s.high_quality; }),
                    val_.size(), group_.rank(), group_.world_size());
  for (int epoch = start; epoch < s_.epochs; ++epoch) {
    labkit::ScopedTimer timer(run_.timings(), "epoch");
    const auto t0 = std::chrono::steady_clock::now();
    set_learning_rate(epoch);
    nlohmann::json entry{{"epoch", epoch + 1}};
    train_epoch(epoch, entry);
    {
      labkit::ScopedTimer timer(run_.timings(), "validate");
      entry["val_dice"] = validate();
    }
    entry["seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    history_.push_back(entry);
    labkit::log::info("epoch {}: loss {:.4f}, validation Dice {}", epoch + 1, entry["train_loss"].get<double>(),
                      entry["val_dice"].dump());
    save_checkpoint(epoch);
  }
  const auto path = run_.out().file("model.safetensors");
  sm::save_model(*models_[0]->model, path);
  run_.metrics()["model"] = path;
  run_.metrics()["parameters"] = sm::parameter_count(*models_[0]->model);
  run_.metrics()["model_config"] = models_[0]->model->config.to_json();
  run_.metrics()["history"] = history_;
  if (!history_.empty()) run_.metrics()["val_dice"] = history_.back()["val_dice"];
  run_.metrics()["train_targets"] = train_.size();
  run_.metrics()["val_targets"] = val_.size();
  run_.metrics()["world_size"] = group_.world_size();
  run_.metrics()["rank"] = group_.rank();
}

}  // namespace labkit::seganypet_train
