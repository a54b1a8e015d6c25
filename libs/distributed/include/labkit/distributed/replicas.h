// Keeping data-parallel replicas identical: the few collectives every labkit trainer needs, each on one
// flat tensor (Gloo and NCCL want one tensor of one shape per call). World size 1: all are no-ops.
#pragma once

#include <torch/types.h>

#include <vector>

#include "labkit/distributed/process_group.h"

namespace labkit::distributed {

// Copies rank 0's values into the given tensors (parameters, buffers) on every rank, in place.
void broadcast_from_rank0(ProcessGroup& group, std::vector<torch::Tensor> tensors);

enum class GradientReduction { kAverage, kSum };

// All-reduces the gradients of `params` in place. A parameter without a gradient on this rank gets a zero
// one first (another rank's share may have reached it), so every rank sends the same layout.
void reduce_gradients(ProcessGroup& group, const std::vector<torch::Tensor>& params,
                      GradientReduction how = GradientReduction::kAverage);

// True on every rank when `here` is true on any rank (e.g. SIGTERM seen by one rank stops them all at the
// same step).
bool any_rank(ProcessGroup& group, bool here);

// Sums of a few float64 statistics over ranks (loss terms for the log): returns the summed values.
std::vector<double> sum_over_ranks(ProcessGroup& group, const std::vector<double>& values);

}  // namespace labkit::distributed
