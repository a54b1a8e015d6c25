#include "trainer.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <numeric>

#include "augment.h"
#include "labkit/core/atomic_file.h"
#include "labkit/core/checkpoint_dir.h"
#include "labkit/core/curves.h"
#include "labkit/core/error.h"
#include "labkit/core/json_file.h"
#include "labkit/core/log.h"
#include "labkit/core/progress.h"
#include "labkit/core/seeds.h"
#include "labkit/core/termination.h"
#include "labkit/core/timer.h"
#include "labkit/distributed/replicas.h"
#include "labkit/torchutil/archive_file.h"
#include "labkit/torchutil/tensor_files.h"
#include "losses.h"

namespace labkit::puir_train {

namespace fs = std::filesystem;

NetworkSpec network_spec(const Settings& s) {
  return {static_cast<int64_t>(s.modalities.size()), s.feature_size, s.roi, s.prior_heads, s.puir()};
}

Trainer::Trainer(Settings s, std::vector<CaseVolume> train, labkit::Run& run, torch::Device device,
                 distributed::ProcessGroup* group)
    : s_(std::move(s)), cases_(std::move(train)), run_(run), device_(device), group_(group) {
  if (cases_.empty()) throw labkit::InputError("the manifest has no training cases");
  if (!group_) {
    own_group_ = distributed::ProcessGroup::create(distributed::LaunchEnv{}, device_);
    group_ = own_group_.get();
  }
  torch::manual_seed(run.seed());
  net_ = PuirNetwork(network_spec(s_));
  net_->to(device_);
  net_->train();
  optimizer_ = std::make_unique<torch::optim::AdamW>(
      net_->parameters(),
      torch::optim::AdamWOptions(s_.lr).betas({s_.beta1, s_.beta2}).eps(s_.eps).weight_decay(s_.weight_decay));
  distributed::broadcast_from_rank0(*group_, net_->parameters());  // identical replicas whatever happened before
}

int64_t Trainer::global_batch() const { return static_cast<int64_t>(s_.batch_size) * group_->world_size(); }

int64_t Trainer::steps_per_epoch() const {
  const int64_t n = static_cast<int64_t>(cases_.size());
  return (n + global_batch() - 1) / global_batch();
}

std::vector<int64_t> Trainer::batch(int64_t step_index) const {
  const int64_t epoch = step_index / steps_per_epoch(), within = step_index % steps_per_epoch();
  std::vector<int64_t> order(cases_.size());
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(mix_seed(run_.seed(), 0xe9 + static_cast<uint64_t>(epoch)));
  std::shuffle(order.begin(), order.end(), rng);
  const int64_t lo = within * global_batch(), hi = std::min<int64_t>(lo + global_batch(), order.size());
  return {order.begin() + lo, order.begin() + hi};
}

namespace {

// Rows [first, first + local.size(0)) of a (total, ...) tensor held across ranks, filled in on every rank
// (an all-gather by summing zero-padded copies: any backend has all-reduce). No gradient flows through.
torch::Tensor gather_rows(distributed::ProcessGroup& group, const torch::Tensor& local, int64_t first, int64_t total) {
  if (group.world_size() == 1) return local;
  auto sizes = local.sizes().vec();
  sizes[0] = total;
  std::vector<torch::Tensor> all{torch::zeros(sizes, local.options())};
  if (local.size(0) > 0) all[0].narrow(0, first, local.size(0)).copy_(local);
  group.all_reduce_sum(all);
  return all[0];
}

}  // namespace

// One piece: a batch's modality loop is one unit of upstream's train_epoch (the anchor lives across it).
StepRecord Trainer::step(int64_t step_index, const std::vector<int64_t>& patients) {
  std::mt19937_64 rng(mix_seed(run_.seed(), 0x5eed + static_cast<uint64_t>(step_index)));
  torch::manual_seed(mix_seed(run_.seed(), 0x70c + static_cast<uint64_t>(step_index)));  // noise blocks
  const int64_t c = static_cast<int64_t>(s_.modalities.size()), total = static_cast<int64_t>(patients.size());
  // This rank's contiguous share of the batch; every rank draws the whole batch's randomness.
  const int64_t world = group_->world_size(), rank = group_->rank();
  const int64_t first = total * rank / world, b = total * (rank + 1) / world - first;
  const double share = static_cast<double>(b) / static_cast<double>(total);
  std::vector<torch::Tensor> samples;
  for (int64_t p : patients) samples.push_back(random_sample(cases_[p], c, s_.roi, s_.augment, rng));
  const auto all = torch::stack(samples).to(device_);  // (B, C, r, r, r): the reconstruction target
  const auto data = all.narrow(0, first, b);
  std::vector<int64_t> order(c);
  std::iota(order.begin(), order.end(), 0);
  std::shuffle(order.begin(), order.end(), rng);
  // Weighted by this rank's share: summed over ranks they are the whole batch's means.
  std::vector<double> sums(5, 0.0);  // total, rotation, contrastive, reconstruction, anchor
  torch::Tensor anchor;
  std::uniform_int_distribution<int64_t> quarter(0, 3);
  for (int64_t m : order) {
    const auto source = all.narrow(1, m, 1).expand({total, c, s_.roi, s_.roi, s_.roi});
    std::vector<int64_t> k1(total), k2(total), back(total);
    for (int64_t i = 0; i < total; ++i) k1[i] = quarter(rng), k2[i] = quarter(rng), back[i] = (4 - k1[i]) % 4;
    const auto view1 = drop_blocks(rotate_batch(source, k1), s_.augment, rng).narrow(0, first, b);
    const auto view2 = drop_blocks(rotate_batch(source, k2), s_.augment, rng).narrow(0, first, b);
    const std::vector<int64_t> mine_k1(k1.begin() + first, k1.begin() + first + b),
        mine_back(back.begin() + first, back.begin() + first + b);
    optimizer_->zero_grad();
    torch::Tensor z2;  // the second view's contrastive embedding (no gradient, as upstream)
    if (s_.puir() && b > 0) {
      torch::NoGradGuard no_grad;
      z2 = net_->contrastive(view2);
    }
    if (s_.puir()) z2 = gather_rows(*group_, b > 0 ? z2 : torch::zeros({0, kContrastiveDim}, all.options()), first, total);
    if (b > 0) {
      auto o = net_->forward(view1);
      auto rec = reconstruction_loss(rotate_batch(o.reconstruction, mine_back), data, s_.foreground_weight,
                                     s_.foreground_threshold);
      auto loss = s_.weights.reconstruction * rec;
      sums[3] += share * rec.item<double>();
      if (s_.puir()) {
        const auto labels = torch::tensor(mine_k1, torch::TensorOptions().dtype(torch::kLong)).to(device_);
        auto rot = torch::nn::functional::cross_entropy(o.rotation, labels);
        auto con = contrastive_loss(o.contrastive, z2, s_.temperature, first);
        if (!anchor.defined()) anchor = o.x_h.detach().clone();  // the first visited modality starts the anchor
        auto anc = anchor_loss(o.x_h, anchor);
        anchor = update_anchor(anchor, o.x_h);
        loss = loss + s_.weights.rotation * rot + s_.weights.contrastive * con + s_.weights.anchor * anc;
        sums[1] += share * rot.item<double>(), sums[2] += share * con.item<double>(), sums[4] += share * anc.item<double>();
      }
      (share * loss).backward();
      sums[0] += share * loss.item<double>();
    }
    distributed::reduce_gradients(*group_, net_->parameters(), distributed::GradientReduction::kSum);
    optimizer_->step();
  }
  const auto totals = distributed::sum_over_ranks(*group_, sums);
  if (!std::isfinite(totals[0]))
    throw std::runtime_error(fmt::format("step {}: the loss became {} (learning rate too high?)", step_index, totals[0]));
  StepRecord r;
  r.total = totals[0] / c, r.rotation = totals[1] / c, r.contrastive = totals[2] / c;
  r.reconstruction = totals[3] / c, r.anchor = totals[4] / c;
  r.optimizer_steps = static_cast<int>(c);
  return r;
}

void Trainer::record(int64_t step_index, const StepRecord& r) {
  const double x = static_cast<double>(step_index + 1);
  labkit::add_curve_point(curves_, "training loss", "step", "total", x, r.total);
  labkit::add_curve_point(curves_, "training loss", "step", "reconstruction", x, r.reconstruction);
  if (s_.puir()) {
    labkit::add_curve_point(curves_, "anchor loss", "step", "anchor", x, r.anchor);
    labkit::add_curve_point(curves_, "self-supervision", "step", "rotation", x, r.rotation);
    labkit::add_curve_point(curves_, "self-supervision", "step", "contrastive", x, r.contrastive);
  }
  labkit::set_curve_log_y(curves_, "training loss");
  history_.push_back({{"step", step_index + 1}, {"total", r.total}, {"reconstruction", r.reconstruction},
                      {"rotation", r.rotation}, {"contrastive", r.contrastive}, {"anchor", r.anchor}});
}

namespace {

template <typename T>
void save_archive(T& what, const fs::path& path) {
  labkit::torchutil::save_archive_atomically(path.string(), [&](torch::serialize::OutputArchive& ar) { what.save(ar); });
}

template <typename T>
void load_archive(T& what, const fs::path& path) {
  labkit::torchutil::load_archive(path.string(), [&](torch::serialize::InputArchive& ar) { what.load(ar); });
}

}  // namespace

void Trainer::save_checkpoint(int64_t next) const {
  // A folder per checkpoint; latest.json, written last and atomically, is the commit point.
  const fs::path root = run_.out().file("checkpoint");
  const std::string name = fmt::format("step-{:08d}", next);
  fs::create_directories(root / name);
  save_archive(*net_, root / name / "network.pt");
  save_archive(*optimizer_, root / name / "optimizer.pt");
  const nlohmann::json state{{"next_step", next}, {"dir", name}, {"curves", curves_}, {"history", history_}};
  labkit::commit_checkpoint(root.string(), name, state.dump());
}

int64_t Trainer::load_checkpoint() {
  const fs::path root = run_.out().file("checkpoint"), latest = root / "latest.json";
  if (!fs::exists(latest)) return 0;
  const auto j = labkit::read_json_file(latest.string(), "the checkpoint index");
  if (!j.is_object() || !j.contains("next_step") || !j["next_step"].is_number_integer() || !j.contains("dir") ||
      !j["dir"].is_string() || !j.contains("curves") || !j.contains("history") || !j["history"].is_array())
    throw labkit::input_error(latest.string(), "not a puir-train checkpoint index");
  const int64_t next = j["next_step"].get<int64_t>();
  if (next < 0 || next > s_.epochs * steps_per_epoch() || j["dir"] != fmt::format("step-{:08d}", next))
    throw labkit::input_error(latest.string(), fmt::format("step {} does not fit this run", next));
  load_archive(*net_, root / j["dir"].get<std::string>() / "network.pt");
  load_archive(*optimizer_, root / j["dir"].get<std::string>() / "optimizer.pt");
  curves_ = j["curves"];
  history_ = j["history"];
  return next;
}

void Trainer::train() {
  const int64_t total = s_.epochs * steps_per_epoch();
  int64_t start = 0;
  if (run_.resume()) {
    start = load_checkpoint();
    labkit::log::info(start ? "resuming at step {}" : "no checkpoint in --out; starting at step {}", start);
  }
  labkit::log::info("training {} ({} parameters) on {} cases: {} epochs of {} steps, {} patients per step",
                    s_.mode, parameter_count(*net_), cases_.size(), s_.epochs, steps_per_epoch(), s_.batch_size);
  labkit::Progress progress("training", total, "step");
  progress.set(start);
  for (int64_t i = start; i < total; ++i) {
    if (distributed::any_rank(*group_, labkit::sigterm_received())) {  // every rank stops before the same step
      save_checkpoint(i);
      throw Interrupted(fmt::format("SIGTERM: stopped before step {} of {}; checkpoint written, continue with --resume",
                                    i, total));
    }
    StepRecord r;
    {
      labkit::ScopedTimer timer(run_.timings(), "step");
      r = step(i, batch(i));
    }
    record(i, r);
    if ((i + 1) % s_.checkpoint_every == 0 && i + 1 < total) save_checkpoint(i + 1);
    progress.advance();
  }
  progress.finish();
  save_model(net_, s_.modalities, run_.out().file("model.safetensors"));
  auto& m = run_.metrics();
  m["model"] = run_.out().file("model.safetensors");
  m["mode"] = s_.mode;
  m["parameters"] = parameter_count(*net_);
  m["steps"] = total;
  m["optimizer_steps"] = total * static_cast<int64_t>(s_.modalities.size());
  m["training_cases"] = cases_.size();
  m["final"] = history_.back();
  m["history"] = history_;  // every step's loss terms
  run_.report_extra()["curves"] = curves_;
}

void save_model(PuirNetwork& net, const std::vector<std::string>& modalities, const std::string& path) {
  std::map<std::string, torch::Tensor> tensors;
  for (const auto& p : net->named_parameters()) tensors[p.key()] = p.value().detach().to(torch::kCPU);
  for (const auto& b : net->named_buffers()) tensors[b.key()] = b.value().detach().to(torch::kCPU);
  const nlohmann::json meta{{"network", net->spec().to_json()}, {"modalities", modalities}};
  torchutil::save_safetensors(path, tensors, {{"puir_model", meta.dump()}});
}

LoadedModel load_model(const std::string& path, torch::Device device) {
  if (!fs::exists(path)) throw labkit::input_error(path, "does not exist");
  const auto tensors = torchutil::load_safetensors(path);
  const auto meta = tensorio::SafetensorsFile::open(path)->metadata();
  const auto found = meta.find("puir_model");
  if (found == meta.end()) throw labkit::input_error(path, "not a puir-train model (no puir_model metadata)");
  LoadedModel m;
  try {
    const auto j = nlohmann::json::parse(found->second);
    m.modalities = j.at("modalities").get<std::vector<std::string>>();
    m.net = PuirNetwork(NetworkSpec::from_json(j.at("network")));
  } catch (const std::exception& e) {
    throw labkit::input_error(path, std::string("bad puir_model metadata: ") + e.what());
  }
  if (static_cast<int64_t>(m.modalities.size()) != m.net->spec().modalities)
    throw labkit::input_error(path, "the modality list does not match the network's channels");
  torch::NoGradGuard no_grad;
  auto fill = [&](const std::string& name, torch::Tensor& dst) {
    const auto t = tensors.find(name);
    if (t == tensors.end()) throw labkit::input_error(path, "missing tensor '" + name + "'");
    if (t->second.sizes() != dst.sizes()) throw labkit::input_error(path, "tensor '" + name + "' has the wrong shape");
    if (t->second.is_floating_point() && !torch::isfinite(t->second).all().item<bool>())
      throw labkit::input_error(path, "tensor '" + name + "' holds NaN or inf values");
    dst.copy_(t->second);
  };
  for (auto& p : m.net->named_parameters()) fill(p.key(), p.value());
  for (auto& b : m.net->named_buffers()) fill(b.key(), b.value());
  m.net->to(device);
  m.net->eval();
  return m;
}

}  // namespace labkit::puir_train
