// The training loop: a specialist (student) trained supervised-only, by Mean Teacher, UA-MT or DAN, with
// the SemiSAM+ generalist branch optional; SGD with poly LR as upstream; every random stream derived
// from (seed, iteration), so a checkpoint taken at any iteration continues exactly (--resume); SIGTERM
// writes a checkpoint and stops; validation every N iterations and per-iteration losses go to the
// report ("validation", "curves"). Data parallel over a labkit::distributed process group: every rank
// draws its own batches (rank 0 those of a single-process run), gradients are averaged before each update,
// so the replicas stay identical; each rank writes its own --out.
#pragma once

#include <torch/torch.h>

#include <memory>
#include <stdexcept>

#include "dataset.h"
#include "discriminator.h"
#include "labkit/core/tool.h"
#include "labkit/distributed/process_group.h"
#include "labkit/nets3d/network.h"
#include "settings.h"

namespace labkit::semisam_train {

class SamBranch;
class TwoStreamBatchSampler;

// Training stopped on request (SIGTERM) after a checkpoint was written.
struct Interrupted : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The loss terms of one iteration (plain doubles, for the curves).
struct StepRecord {
  double loss = 0, supervised = 0, consistency = 0, sam = 0, lr = 0, consistency_weight = 0, sam_weight = 0;
  double discriminator = 0;  // DAN: the discriminator's loss in its own update
  double sam_grad_norm = 0;
  // Diagnostics when the unlabeled samples' labels are known (synthetic data), else -1: Dice of the
  // generalists' pseudo-label and of the specialist's own argmax against them.
  double pseudo_label_dice = -1, specialist_unlabeled_dice = -1;  // |d(weighted SAM term)/d(student logits)|: ~0 under the release's normalisation
};

class Trainer {
 public:
  Trainer(TrainSettings s, Dataset data, labkit::Run& run, torch::Device device, SamBranch* sam,
          distributed::ProcessGroup& group);
  ~Trainer();
  void train();  // trains, writes OUT/model.safetensors, fills the run's metrics
  // One iteration's forward, backward and update (public for the tests).
  StepRecord step(int64_t iteration);
  nets3d::SegNetwork& student() { return *student_; }
  Discriminator& discriminator() { return discriminator_; }  // DAN only (else empty)

 private:
  struct Batch;
  Batch make_batch(int64_t iteration) const;
  torch::Tensor consistency_term(const torch::Tensor& unlabeled, const torch::Tensor& student_logits,
                                 int64_t iteration);
  // DAN's second half of a step: the specialist (eval mode, no grad) segments the whole batch again and
  // the discriminator takes one Adam step on it; returns its loss.
  double update_discriminator(const torch::Tensor& images);
  void update_teacher(int64_t iteration);
  void record(int64_t iteration, const StepRecord& r);
  void validate(int64_t iteration);
  void save_checkpoint(int64_t next_iteration);
  int64_t load_checkpoint();  // the next iteration to run (0 without a checkpoint)

  TrainSettings s_;
  Dataset data_;
  labkit::Run& run_;
  torch::Device device_;
  SamBranch* sam_;
  distributed::ProcessGroup& group_;
  uint64_t stream_seed_;  // batches, crops, dropout and clicks: the run's seed on rank 0, mixed with the rank elsewhere
  std::shared_ptr<nets3d::SegNetwork> student_, teacher_;
  std::unique_ptr<torch::optim::SGD> optimizer_;
  Discriminator discriminator_{nullptr};
  std::unique_ptr<torch::optim::Adam> d_optimizer_;
  std::unique_ptr<TwoStreamBatchSampler> sampler_;
  nlohmann::json curves_ = nlohmann::json::object();
  nlohmann::json validation_ = nlohmann::json::array();
  double best_dice_ = -1;
};

// Writes a specialist as safetensors with its NetworkSpec in the metadata; load_specialist reads it back
// (InputError naming the file for a file of another architecture or with missing tensors).
void save_specialist(nets3d::SegNetwork& net, const std::string& path);
std::shared_ptr<nets3d::SegNetwork> load_specialist(const std::string& path, torch::Device device);

}  // namespace labkit::semisam_train
