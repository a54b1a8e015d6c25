// The training loop: one model (plain supervised, all labels as given) or two (CPCL), data-parallel over
// the ranks of a c10d process group, an epoch checkpoint that --resume continues from exactly, and
// validation Dice after 1/3/5 simulated clicks each epoch.
#pragma once

#include <torch/torch.h>

#include <memory>
#include <random>
#include <stdexcept>
#include <vector>

#include "dataset.h"
#include "labkit/core/tool.h"
#include "labkit/distributed/process_group.h"
#include "labkit/sammed3d/model.h"
#include "settings.h"

namespace labkit::seganypet_train {

// Training stopped on request (SIGTERM) at a step boundary; the last epoch checkpoint stays valid.
struct Interrupted : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Trainer {
 public:
  Trainer(TrainSettings settings, std::vector<Sample> train, std::vector<Sample> val, labkit::Run& run,
          labkit::distributed::ProcessGroup& group, torch::Device device);
  ~Trainer();
  // Trains (continuing from --out/checkpoint with --resume), writes --out/model.safetensors and the
  // metrics (per-epoch history, final validation Dice) into the run's report.
  void train();

 private:
  struct Replica;
  struct CpclStats;
  void train_epoch(int epoch, nlohmann::json& entry);
  // One step's forward and backward on this rank's samples `mine` (flips, encoding, CPCL targets, the
  // click loop); returns the summed loss. `share` scales it to this rank's part of the global batch.
  torch::Tensor train_step(const std::vector<const Sample*>& mine, double share, bool cpcl_active,
                           std::mt19937_64& rng, CpclStats& stats);
  nlohmann::json validate();
  void save_checkpoint(int epoch);
  int load_checkpoint();  // returns the next epoch to run (0 without a checkpoint)
  void set_learning_rate(int epoch);
  void average_gradients(Replica& r);

  TrainSettings s_;
  std::vector<Sample> train_, val_;
  labkit::Run& run_;
  labkit::distributed::ProcessGroup& group_;
  torch::Device device_;
  std::vector<std::unique_ptr<Replica>> models_;  // [A] or [A, B]
  nlohmann::json history_ = nlohmann::json::array();
};

}  // namespace labkit::seganypet_train
