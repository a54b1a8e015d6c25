// A torch c10d process group set up from the launch environment: Gloo for CPU tensors, NCCL for CUDA.
// World size 1 needs no backend at all (collectives are identities), so single-process runs work in
// every build, including ones without gloo headers or NCCL.
#pragma once

#include <torch/types.h>

#include <chrono>
#include <memory>
#include <vector>

#include "labkit/distributed/launch_env.h"

namespace labkit::distributed {

class ProcessGroup {
 public:
  // device: CPU -> Gloo, CUDA -> NCCL. Blocks until every rank has joined or `timeout` passes.
  static std::unique_ptr<ProcessGroup> create(const LaunchEnv& env, const torch::Device& device,
                                              std::chrono::milliseconds timeout = std::chrono::minutes(5));
  virtual ~ProcessGroup() = default;

  int rank() const { return rank_; }
  int world_size() const { return world_size_; }
  virtual std::string backend() const = 0;

  // In place, summed over ranks.
  virtual void all_reduce_sum(std::vector<torch::Tensor>& tensors) = 0;
  // In place, copied from `root` to every rank.
  virtual void broadcast(std::vector<torch::Tensor>& tensors, int root) = 0;
  virtual void barrier() = 0;

  // Gradient averaging for data-parallel training: all-reduce then divide by the world size.
  void average(std::vector<torch::Tensor>& tensors);

 protected:
  ProcessGroup(int rank, int world_size) : rank_(rank), world_size_(world_size) {}

 private:
  int rank_;
  int world_size_;
};

}  // namespace labkit::distributed
