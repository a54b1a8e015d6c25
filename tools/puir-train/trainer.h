// PUIR's training loop (trainer_bg.py::train_epoch) over batches of patients: per batch, the modalities
// in a random order, each one an input (repeated to every channel, rotated, block-corrupted) from which
// the network reconstructs all modalities; rotation CE, InfoNCE against a second view, the weighted
// foreground reconstruction and the anchor loss; one AdamW step per modality. The baseline reconstructs
// only (no prior block, no anchor, rotation or contrastive terms). Every random stream derives from
// (seed, step), so a checkpoint continues bit-exactly (--resume); SIGTERM writes one and stops.
// Data parallel over a labkit::distributed process group: a step's batch is world size x batch_size
// patients; every rank draws the whole batch's crops, rotations and corruption (one random stream) and
// runs its own contiguous share of the patients; the second view's contrastive embeddings are gathered so
// every rank sees the whole batch's negatives; gradients are summed with each rank weighted by its share.
// So a two-rank run is the single-process run at the same total batch, up to float summation order.
#pragma once

#include <torch/torch.h>

#include <random>
#include <stdexcept>
#include <vector>

#include "case_volume.h"
#include "labkit/core/tool.h"
#include "labkit/distributed/process_group.h"
#include "puir_network.h"
#include "settings.h"

namespace labkit::puir_train {

struct Interrupted : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Mean over the modality steps of one batch.
struct StepRecord {
  double total = 0, rotation = 0, contrastive = 0, reconstruction = 0, anchor = 0;
  int optimizer_steps = 0;
};

NetworkSpec network_spec(const Settings& s);

class Trainer {
 public:
  // group: null trains in this process alone.
  Trainer(Settings s, std::vector<CaseVolume> train, labkit::Run& run, torch::Device device,
          distributed::ProcessGroup* group = nullptr);
  void train();  // trains, writes OUT/model.safetensors, fills the run's metrics and curves
  // One batch of patients (indices into the training cases): public for the tests.
  StepRecord step(int64_t step_index, const std::vector<int64_t>& patients);
  PuirNetwork& network() { return net_; }
  int64_t steps_per_epoch() const;
  int64_t global_batch() const;  // patients per step over all ranks
  std::vector<int64_t> batch(int64_t step_index) const;  // the patients of a global step (all ranks)

 private:
  void record(int64_t step_index, const StepRecord& r);
  void save_checkpoint(int64_t next_step) const;
  int64_t load_checkpoint();

  Settings s_;
  std::vector<CaseVolume> cases_;
  labkit::Run& run_;
  torch::Device device_;
  std::unique_ptr<distributed::ProcessGroup> own_group_;  // the one-process group when none was given
  distributed::ProcessGroup* group_;
  PuirNetwork net_{nullptr};
  std::unique_ptr<torch::optim::AdamW> optimizer_;
  nlohmann::json curves_ = nlohmann::json::object();
  nlohmann::json history_ = nlohmann::json::array();  // one StepRecord per step, for the report
};

// Model files: safetensors with the NetworkSpec and modality names in the metadata.
void save_model(PuirNetwork& net, const std::vector<std::string>& modalities, const std::string& path);
struct LoadedModel {
  PuirNetwork net{nullptr};
  std::vector<std::string> modalities;
};
LoadedModel load_model(const std::string& path, torch::Device device);

}  // namespace labkit::puir_train
