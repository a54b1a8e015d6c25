// KLT initialisation of the learned rotations (the reference's --use_klt, which its W4A4KV4 script turns
// on): a rotation starts as the eigenbasis V of the covariance of the weight columns it acts on, then a
// seeded random Hadamard spreads every eigen-direction over all channels: R = V·(D·H/√n).
#pragma once

#include <torch/types.h>

#include "labkit/llama/model.h"

namespace labkit::ostquant_calibrate {

// R_res from the rows of q, k, v, up and gate of every layer of `fused` (norms folded), stacked [N, dim],
// centred per column. float64 [dim, dim].
torch::Tensor klt_residual_rotation(const labkit::llama::Model& fused, uint64_t seed);

// R_ov of layer `l`, per KV head from the o_proj columns of the heads that share it, [d·rep, head_dim]
// centred per column. float64 [n_kv, head_dim, head_dim].
torch::Tensor klt_ov_rotations(const labkit::llama::Model& fused, int64_t l, uint64_t seed);

// Eigenvectors (columns, ascending eigenvalues) of the column covariance of `rows` [N, n], float64.
torch::Tensor column_covariance_eigenbasis(const torch::Tensor& rows);

}  // namespace labkit::ostquant_calibrate
