#include "trainer.h"

#include <fmt/format.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

#include "augment.h"
#include "batch_sampler.h"
#include "evaluate.h"
#include "generalist.h"
#include "labkit/core/atomic_file.h"
#include "labkit/core/checkpoint_dir.h"
#include "labkit/core/error.h"
#include "labkit/core/log.h"
#include "labkit/core/progress.h"
#include "labkit/core/settings.h"
#include "labkit/core/termination.h"
#include "labkit/core/timer.h"
#include "labkit/distributed/replicas.h"
#include "labkit/torchutil/archive_file.h"
#include "labkit/torchutil/tensor_files.h"
#include "losses.h"
#include "schedules.h"

namespace labkit::semisam_train {

namespace fs = std::filesystem;

struct Trainer::Batch {
  torch::Tensor image;  // (B, 1, D, H, W): labeled_bs labeled samples first
  torch::Tensor label;  // (labeled_bs, D, H, W) int64
  // The unlabeled samples' labels when the data has them (a synthetic task): diagnostics only, never in a loss.
  torch::Tensor hidden;  // (B - labeled_bs, D, H, W) uint8, or undefined
};

Trainer::Trainer(TrainSettings s, Dataset data, labkit::Run& run, torch::Device device, SamBranch* sam,
                 distributed::ProcessGroup& group)
    : s_(std::move(s)),
      data_(std::move(data)),
      run_(run),
      device_(device),
      sam_(sam),
      group_(group),
      stream_seed_(group.rank() == 0 ? run.seed() : mix_seed(run.seed(), 0xda7a0000 + static_cast<uint64_t>(group.rank()))) {
  torch::manual_seed(run.seed());
  student_ = nets3d::make_network(s_.network);
  student_->to(device_);
  student_->train();
  if (s_.method == "dan") {
    discriminator_ = Discriminator(s_.network.classes, s_.dan.filters, s_.network.in_channels);
    discriminator_->to(device_);
    d_optimizer_ = std::make_unique<torch::optim::Adam>(
        discriminator_->parameters(), torch::optim::AdamOptions(s_.dan.lr).betas({s_.dan.beta1, s_.dan.beta2}));
  } else if (s_.method != "supervised") {
    teacher_ = nets3d::clone_network(*student_);  // upstream: an independently initialised copy; EMA alpha is 0 at step 0
    for (auto& p : teacher_->parameters()) p.set_requires_grad(false);
    teacher_->train();  // upstream never switches the EMA model to eval: dropout stays on
  }
  optimizer_ = std::make_unique<torch::optim::SGD>(
      student_->parameters(), torch::optim::SGDOptions(s_.base_lr).momentum(s_.momentum).weight_decay(s_.weight_decay));
  // Labeled: the first labeled_num training cases; unlabeled: range(labeled_num, limit).
  std::vector<int64_t> labeled, unlabeled;
  const int64_t n = static_cast<int64_t>(data_.train.size());
  const int64_t limit = s_.unlabeled_limit > 0 ? std::min<int64_t>(s_.unlabeled_limit, n) : n;
  for (int64_t i = 0; i < s_.labeled_num; ++i) labeled.push_back(i);
  for (int64_t i = s_.labeled_num; i < limit; ++i) unlabeled.push_back(i);
  if (s_.method != "supervised" && unlabeled.empty())
    throw labkit::InputError(fmt::format("config labeled_num: all {} training cases are labeled; {} needs unlabeled ones",
                                         n, s_.method));
  if (static_cast<int64_t>(labeled.size()) < s_.labeled_bs)
    throw labkit::config_error("labeled_bs", fmt::format("{} exceeds labeled_num {}", s_.labeled_bs, labeled.size()));
  const int bs = s_.method == "supervised" ? s_.labeled_bs : s_.batch_size;
  sampler_ = std::make_unique<TwoStreamBatchSampler>(labeled, unlabeled, bs, s_.labeled_bs, stream_seed_);
  // Identical replicas on every rank, whatever each rank's initialisation did.
  std::vector<torch::Tensor> state;
  for (auto* m : {static_cast<torch::nn::Module*>(student_.get()), static_cast<torch::nn::Module*>(teacher_.get()),
                  discriminator_ ? static_cast<torch::nn::Module*>(discriminator_.get()) : nullptr}) {
    if (!m) continue;
    for (auto& p : m->parameters()) state.push_back(p.data());
    for (auto& b : m->buffers()) state.push_back(b.data());
  }
  distributed::broadcast_from_rank0(group_, state);
}

Trainer::~Trainer() = default;

Trainer::Batch Trainer::make_batch(int64_t it) const {
  const auto idx = sampler_->batch(it);
  std::vector<torch::Tensor> images, labels, hidden;
  bool all_hidden_known = true;
  for (size_t slot = 0; slot < idx.size(); ++slot) {
    const auto& c = data_.train[idx[slot]];
    const bool labeled = static_cast<int>(slot) < s_.labeled_bs;
    std::mt19937_64 rng(mix_seed(mix_seed(stream_seed_, 0xa11 + static_cast<uint64_t>(it)), slot));
    // The label travels through the same rotation and crop (the draws do not depend on it) for the diagnostics.
    Sample sample{c.image, c.label};
    if (s_.rot_flip) sample = random_rot_flip(sample, rng);
    sample = random_crop(sample, s_.patch, rng);
    images.push_back(sample.image.unsqueeze(0));
    if (labeled) labels.push_back(sample.label.to(torch::kLong));
    else if (sample.label.defined()) hidden.push_back(sample.label);
    else all_hidden_known = false;
  }
  Batch b{torch::stack(images).to(device_), torch::stack(labels).to(device_), torch::Tensor()};
  if (all_hidden_known && !hidden.empty()) b.hidden = torch::stack(hidden).to(device_);
  return b;
}

torch::Tensor Trainer::consistency_term(const torch::Tensor& u, const torch::Tensor& student_logits, int64_t it) {
  torch::NoGradGuard no_grad;
  auto noisy = [&](const torch::Tensor& x) {
    return x + torch::clamp(torch::randn_like(x) * s_.teacher_noise_std, -s_.teacher_noise_clip, s_.teacher_noise_clip);
  };
  auto teacher_probs = torch::softmax(teacher_->forward(noisy(u)), 1);
  if (s_.method == "mt") {
    torch::AutoGradMode grad(true);
    return mt_consistency(student_logits, teacher_probs);
  }
  // UA-MT: T noisy teacher passes (upstream runs them as T/2 passes over the batch repeated twice).
  std::vector<torch::Tensor> passes;
  for (int t = 0; t < s_.uamt_passes; ++t) passes.push_back(torch::softmax(teacher_->forward(noisy(u)), 1));
  const auto entropy = predictive_entropy(torch::stack(passes));
  torch::AutoGradMode grad(true);
  return uamt_consistency(student_logits, teacher_probs, entropy, uamt_threshold(it, s_.max_iterations));
}

StepRecord Trainer::step(int64_t it) {
  StepRecord r;
  torch::manual_seed(mix_seed(stream_seed_, 0xd0 + static_cast<uint64_t>(it)));  // dropout and noise of this step
  r.lr = poly_lr(s_.base_lr, it, s_.max_iterations, s_.poly_power);
  for (auto& g : optimizer_->param_groups()) static_cast<torch::optim::SGDOptions&>(g.options()).lr(r.lr);
  const auto batch = make_batch(it);
  const int64_t lb = s_.labeled_bs;
  auto logits = student_->forward(batch.image);
  auto loss = supervised_loss(logits.narrow(0, 0, lb), batch.label);
  r.supervised = loss.item<double>();
  if (s_.method != "supervised") {
    const auto u = batch.image.narrow(0, lb, batch.image.size(0) - lb);
    const auto u_logits = logits.narrow(0, lb, logits.size(0) - lb);
    torch::Tensor cons;
    if (discriminator_) {
      discriminator_->eval();  // as upstream: no dropout while the discriminator judges the specialist
      cons = dan_generator_loss(discriminator_->forward(torch::softmax(u_logits, 1), u));
    } else {
      cons = consistency_term(u, u_logits, it);
    }
    r.consistency = cons.item<double>();
    r.consistency_weight = consistency_weight(s_.consistency, it, s_.rampup_step, s_.consistency_rampup);
    loss = loss + r.consistency_weight * cons;
    if (sam_) {
      labkit::ScopedTimer timer(run_.timings(), "generalists");
      std::mt19937_64 rng(mix_seed(stream_seed_, 0x5a3 + static_cast<uint64_t>(it)));
      // Upstream also prompts the generalist on the labeled samples and discards the result (quirk 9).
      if (s_.upstream_quirks) sam_->consistency(batch.image.narrow(0, 0, lb), logits.narrow(0, 0, lb).detach(), rng);
      auto sam = sam_->consistency(u, u_logits, rng);
      r.sam = sam.item<double>();
      if (batch.hidden.defined()) {  // is the generalist's answer better than the specialist's own?
        const auto truth = batch.hidden > 0;
        r.pseudo_label_dice = binary_dice(sam_->last_pseudo_label().select(1, 0) > 0.5, truth);
        r.specialist_unlabeled_dice = binary_dice(u_logits.detach().argmax(1) == 1, truth);
      }
      r.sam_weight = s_.semisam.weight * sam_rampdown(it, s_.max_iterations, s_.rampup_step, s_.semisam.rampdown);
      if (sam.requires_grad())
        r.sam_grad_norm =
            torch::autograd::grad({r.sam_weight * sam}, {u_logits}, {}, /*retain_graph=*/true)[0].norm().item<double>();
      loss = loss + r.sam_weight * sam;
    }
  }
  optimizer_->zero_grad();
  loss.backward();
  distributed::reduce_gradients(group_, student_->parameters());
  optimizer_->step();
  // Batch-norm statistics (V-Net) are not gradients: rank 0's are kept everywhere.
  distributed::broadcast_from_rank0(group_, student_->buffers());
  r.loss = loss.item<double>();
  if (discriminator_) r.discriminator = update_discriminator(batch.image);
  if (!std::isfinite(r.loss))
    throw std::runtime_error(fmt::format("iteration {}: the loss became {} (learning rate too high?)", it, r.loss));
  if (teacher_) update_teacher(it);
  return r;
}

double Trainer::update_discriminator(const torch::Tensor& images) {
  torch::Tensor probs;
  {
    torch::NoGradGuard no_grad;
    student_->eval();
    probs = torch::softmax(student_->forward(images), 1);
    student_->train();
  }
  discriminator_->train();
  auto loss = dan_discriminator_loss(discriminator_->forward(probs, images), s_.labeled_bs);
  d_optimizer_->zero_grad();  // also drops what the specialist's backward left on the discriminator
  loss.backward();
  distributed::reduce_gradients(group_, discriminator_->parameters());
  d_optimizer_->step();
  return loss.item<double>();
}

void Trainer::update_teacher(int64_t it) {
  torch::NoGradGuard no_grad;
  const double alpha = ema_alpha(it, s_.ema_decay);
  auto tp = teacher_->parameters(), sp = student_->parameters();
  for (size_t i = 0; i < tp.size(); ++i) tp[i].mul_(alpha).add_(sp[i], 1.0 - alpha);
}

void Trainer::record(int64_t it, const StepRecord& r) {
  auto add = [&](const char* name, double v) { curves_[name].push_back({it, v}); };
  add("loss", r.loss);
  add("loss_supervised", r.supervised);
  add("lr", r.lr);
  if (s_.method != "supervised") add("loss_consistency", r.consistency), add("consistency_weight", r.consistency_weight);
  if (discriminator_) add("loss_discriminator", r.discriminator);
  if (sam_) add("loss_sam", r.sam), add("sam_weight", r.sam_weight), add("sam_grad_norm", r.sam_grad_norm);
  if (r.pseudo_label_dice >= 0)
    add("pseudo_label_dice", r.pseudo_label_dice), add("specialist_unlabeled_dice", r.specialist_unlabeled_dice);
}

void Trainer::validate(int64_t it) {
  if (data_.val.empty()) return;
  labkit::ScopedTimer timer(run_.timings(), "validate");
  const auto v = evaluate_cases(*student_, data_.val, s_, device_);
  validation_.push_back({{"iteration", it}, {"dice", v["dice"]}, {"hd95", v["hd95"]}});
  curves_["val_dice"].push_back({it, v["dice"]});
  curves_["val_hd95"].push_back({it, v["hd95"]});
  labkit::log::info("iteration {}: validation Dice {:.4f}, HD95 {:.2f}", it, v["dice"].get<double>(), v["hd95"].get<double>());
  if (v["dice"].get<double>() > best_dice_) {
    best_dice_ = v["dice"].get<double>();
    save_specialist(*student_, run_.out().file("model_best.safetensors"));
  }
}

namespace {

void save_module(torch::nn::Module& m, const fs::path& path) {
  labkit::torchutil::save_archive_atomically(path.string(), [&](torch::serialize::OutputArchive& ar) { m.save(ar); });
}

template <typename T>
void load_archive(T& target, const fs::path& path) {
  labkit::torchutil::load_archive(path.string(), [&](torch::serialize::InputArchive& ar) { target.load(ar); });
}

}  // namespace

void Trainer::save_checkpoint(int64_t next) {
  // A new folder per checkpoint; latest.json, written last and atomically, is the commit point.
  const fs::path root = run_.out().file("checkpoint");
  const std::string name = fmt::format("iter-{:08d}", next);
  const fs::path dir = root / name;
  fs::create_directories(dir);
  save_module(*student_, dir / "student.pt");
  if (teacher_) save_module(*teacher_, dir / "teacher.pt");
  if (discriminator_) {
    save_module(*discriminator_, dir / "discriminator.pt");
    labkit::torchutil::save_archive_atomically((dir / "discriminator_optimizer.pt").string(),
                                               [&](torch::serialize::OutputArchive& ar) { d_optimizer_->save(ar); });
  }
  labkit::torchutil::save_archive_atomically((dir / "optimizer.pt").string(),
                                             [&](torch::serialize::OutputArchive& ar) { optimizer_->save(ar); });
  const nlohmann::json state{{"next_iteration", next}, {"dir", name}, {"curves", curves_},
                             {"validation", validation_}, {"best_dice", best_dice_}};
  labkit::commit_checkpoint(root.string(), name, state.dump());
}

int64_t Trainer::load_checkpoint() {
  const fs::path root = run_.out().file("checkpoint"), latest = root / "latest.json";
  if (!fs::exists(latest)) return 0;
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(labkit::read_file(latest.string()));
  } catch (const std::exception& e) {
    throw labkit::input_error(latest.string(), std::string("unreadable checkpoint index: ") + e.what());
  }
  if (!j.is_object() || !j.contains("next_iteration") || !j["next_iteration"].is_number_integer() ||
      !j.contains("dir") || !j["dir"].is_string() || !j.contains("curves") || !j.contains("validation"))
    throw labkit::input_error(latest.string(), "not a semisam-train checkpoint index");
  const int64_t next = j["next_iteration"].get<int64_t>();
  if (next < 0 || next > s_.max_iterations || j["dir"] != fmt::format("iter-{:08d}", next))
    throw labkit::input_error(latest.string(), fmt::format("iteration {} does not fit this run (max_iterations {})", next,
                                                           s_.max_iterations));
  const fs::path dir = root / j["dir"].get<std::string>();
  load_archive(*student_, dir / "student.pt");
  if (teacher_) load_archive(*teacher_, dir / "teacher.pt");
  if (discriminator_) {
    load_archive(*discriminator_, dir / "discriminator.pt");
    load_archive(*d_optimizer_, dir / "discriminator_optimizer.pt");
  }
  load_archive(*optimizer_, dir / "optimizer.pt");
  curves_ = j["curves"];
  validation_ = j["validation"];
  best_dice_ = j.value("best_dice", -1.0);
  return next;
}

void Trainer::train() {
  int64_t start = 0;
  if (run_.resume()) {
    start = load_checkpoint();
    labkit::log::info(start ? "resuming at iteration {}" : "no checkpoint in --out; starting at iteration {}", start);
  }
  labkit::log::info("training {} ({} parameters, {}) on {} labeled + {} other training cases, {} validation cases",
                    s_.network.arch, nets3d::parameter_count(*student_), s_.method, s_.labeled_num,
                    data_.train.size() - s_.labeled_num, data_.val.size());
  labkit::Progress progress("training", s_.max_iterations, "it");
  progress.set(start);
  for (int64_t it = start; it < s_.max_iterations; ++it) {
    if (distributed::any_rank(group_, labkit::sigterm_received())) {
      save_checkpoint(it);
      throw Interrupted(fmt::format("SIGTERM: stopped before iteration {} of {}; checkpoint written, continue with --resume",
                                    it, s_.max_iterations));
    }
    StepRecord r;
    {
      labkit::ScopedTimer timer(run_.timings(), "step");
      r = step(it);
    }
    record(it, r);
    if ((it + 1) % s_.validate_every == 0 || it + 1 == s_.max_iterations) validate(it + 1);
    if ((it + 1) % s_.checkpoint_every == 0 && it + 1 < s_.max_iterations) save_checkpoint(it + 1);
    progress.advance();
  }
  progress.finish();
  save_specialist(*student_, run_.out().file("model.safetensors"));
  auto& m = run_.metrics();
  m["model"] = run_.out().file("model.safetensors");
  m["parameters"] = nets3d::parameter_count(*student_);
  m["method"] = s_.method;
  m["semisam"] = sam_ != nullptr;
  m["labeled"] = s_.labeled_num;
  m["unlabeled"] = static_cast<int64_t>(data_.train.size()) - s_.labeled_num;
  m["validation"] = validation_;
  if (!validation_.empty()) m["best_val_dice"] = best_dice_;
  if (sam_) m["generalists"] = sam_->describe();
  const auto& final_cases = data_.test.empty() ? data_.val : data_.test;
  if (!final_cases.empty()) {
    labkit::ScopedTimer timer(run_.timings(), "evaluate");
    m["evaluation"] = evaluate_cases(*student_, final_cases, s_, device_);
    m["evaluation"]["split"] = data_.test.empty() ? "val" : "test";
  }
  run_.report_extra()["curves"] = curves_;
}

void save_specialist(nets3d::SegNetwork& net, const std::string& path) {
  std::map<std::string, torch::Tensor> tensors;
  for (const auto& p : net.named_parameters()) tensors[p.key()] = p.value().detach().to(torch::kCPU);
  for (const auto& b : net.named_buffers()) tensors[b.key()] = b.value().detach().to(torch::kCPU);
  const auto& sp = net.spec();
  const nlohmann::json spec{{"arch", sp.arch}, {"in_channels", sp.in_channels}, {"classes", sp.classes},
                            {"base_filters", sp.base_filters}, {"dropout", sp.dropout}};
  torchutil::save_safetensors(path, tensors, {{"semisam_network", spec.dump()}});
}

std::shared_ptr<nets3d::SegNetwork> load_specialist(const std::string& path, torch::Device device) {
  if (!fs::exists(path)) throw labkit::input_error(path, "does not exist");
  const auto file = tensorio::SafetensorsFile::open(path);
  const auto meta = file->metadata();
  const auto it = meta.find("semisam_network");
  if (it == meta.end()) throw labkit::input_error(path, "not a semisam-train model (no semisam_network metadata)");
  nets3d::NetworkSpec sp;
  try {
    const auto j = nlohmann::json::parse(it->second);
    sp.arch = j.at("arch").get<std::string>();
    sp.in_channels = j.at("in_channels").get<int64_t>();
    sp.classes = j.at("classes").get<int64_t>();
    sp.base_filters = j.at("base_filters").get<int64_t>();
    sp.dropout = j.at("dropout").get<bool>();
  } catch (const std::exception& e) {
    throw labkit::input_error(path, std::string("bad semisam_network metadata: ") + e.what());
  }
  if (sp.base_filters < 1 || sp.base_filters > 256 || sp.classes != 2 || sp.in_channels != 1)
    throw labkit::input_error(path, "network sizes out of range");
  std::shared_ptr<nets3d::SegNetwork> net;
  try {
    net = nets3d::make_network(sp);
  } catch (const std::invalid_argument& e) {
    throw labkit::input_error(path, e.what());
  }
  const auto tensors = torchutil::load_safetensors(path);
  torch::NoGradGuard no_grad;
  auto fill = [&](const std::string& name, torch::Tensor& dst) {
    const auto found = tensors.find(name);
    if (found == tensors.end()) throw labkit::input_error(path, "missing tensor '" + name + "'");
    if (found->second.sizes() != dst.sizes()) throw labkit::input_error(path, "tensor '" + name + "' has the wrong shape");
    if (found->second.is_floating_point() && !torch::isfinite(found->second).all().item<bool>())
      throw labkit::input_error(path, "tensor '" + name + "' holds NaN or inf values");
    dst.copy_(found->second);
  };
  for (auto& p : net->named_parameters()) fill(p.key(), p.value());
  for (auto& b : net->named_buffers()) fill(b.key(), b.value());
  net->to(device);
  net->eval();
  return net;
}

}  // namespace labkit::semisam_train
