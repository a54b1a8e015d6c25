#include "labkit/distributed/replicas.h"

#include <torch/torch.h>

namespace labkit::distributed {
namespace {

torch::Tensor flatten(const std::vector<torch::Tensor>& tensors) {
  std::vector<torch::Tensor> flat;
  flat.reserve(tensors.size());
  for (const auto& t : tensors) flat.push_back(t.reshape(-1));
  return torch::cat(flat);
}

void unflatten_into(const torch::Tensor& flat, std::vector<torch::Tensor>& tensors) {
  int64_t offset = 0;
  for (auto& t : tensors) {
    t.copy_(flat.narrow(0, offset, t.numel()).view_as(t));
    offset += t.numel();
  }
}

}  // namespace

void broadcast_from_rank0(ProcessGroup& group, std::vector<torch::Tensor> tensors) {
  if (group.world_size() == 1 || tensors.empty()) return;
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> all{flatten(tensors)};
  group.broadcast(all, 0);
  unflatten_into(all[0], tensors);
}

void reduce_gradients(ProcessGroup& group, const std::vector<torch::Tensor>& params, GradientReduction how) {
  if (group.world_size() == 1 || params.empty()) return;
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> grads;
  grads.reserve(params.size());
  for (auto p : params) {
    if (!p.grad().defined()) p.mutable_grad() = torch::zeros_like(p);
    grads.push_back(p.grad());
  }
  std::vector<torch::Tensor> all{flatten(grads)};
  if (how == GradientReduction::kAverage)
    group.average(all);
  else
    group.all_reduce_sum(all);
  unflatten_into(all[0], grads);
}

bool any_rank(ProcessGroup& group, bool here) {
  if (group.world_size() == 1) return here;
  std::vector<torch::Tensor> flag{torch::full({1}, here ? 1.0 : 0.0, torch::kFloat64)};
  group.all_reduce_sum(flag);
  return flag[0].item<double>() > 0;
}

std::vector<double> sum_over_ranks(ProcessGroup& group, const std::vector<double>& values) {
  if (group.world_size() == 1 || values.empty()) return values;
  std::vector<torch::Tensor> t{torch::tensor(values, torch::kFloat64)};
  group.all_reduce_sum(t);
  const auto summed = t[0].contiguous();
  return {summed.data_ptr<double>(), summed.data_ptr<double>() + summed.numel()};
}

}  // namespace labkit::distributed
