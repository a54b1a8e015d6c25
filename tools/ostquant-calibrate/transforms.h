// OSTQuant's equivalence transforms on a LLaMA model: norm folding, the residual rotation R_res, per-KV-head
// R_ov, scaling vectors, and the online Hadamard transforms. Applying them is differentiable so the same
// code trains the parameters (float32) and fuses the result (float64).
#pragma once

#include <torch/types.h>

#include <string>
#include <vector>

#include "labkit/llama/model.h"

namespace labkit::ostquant_calibrate {

using labkit::llama::Model;
using labkit::llama::TensorMap;

// Folds every RMSNorm weight into the linears that read it (q/k/v, gate/up, lm_head), in float64, and
// sets the norm weights to 1. The result is untied (lm_head then differs from the embedding).
Model fuse_norms(const Model& model);

struct Transforms {
  torch::Tensor R_res;                   // [dim, dim] orthogonal, float64
  std::vector<torch::Tensor> R_ov;       // per layer [n_kv, head_dim, head_dim] orthogonal, float64
  // Log-scales (S = exp(.)): positive by construction. Per layer.
  std::vector<torch::Tensor> s_attn;     // [dim]        S_norm_qkv
  std::vector<torch::Tensor> s_mlp;      // [dim]        S_norm_upgate
  std::vector<torch::Tensor> s_qk;       // [n_kv, head_dim/2]  S_qk, tied over rotate_half pairs
  std::vector<torch::Tensor> s_ov;       // [n_kv, head_dim]    S_ov
  std::vector<torch::Tensor> s_ud;       // [hidden]     S_up_down
  torch::Tensor online_down;             // [hidden, hidden] orthogonal or undefined
  torch::Tensor online_qk;               // [head_dim, head_dim] orthogonal or undefined

  std::vector<torch::Tensor> rotations();  // R_res and every R_ov
  std::vector<torch::Tensor> scales();     // every log-scale
  TensorMap to_map() const;                // for checkpoints
  static Transforms from_map(const TensorMap& m, int64_t layers);
};

// Identity rotations, unit scales, no online transforms; float64.
Transforms identity_transforms(const labkit::llama::Config& c);

// The transformed model: weights of `fused` (output of fuse_norms) rewritten by `t`, computed in the dtype
// of `fused` (rotations/scales are cast). Differentiable w.r.t. the transform tensors.
Model apply_transforms(const Model& fused, const Transforms& t);

// ‖RᵀR − I‖_F, the largest over R_res and every R_ov.
double orthogonality_error(const Transforms& t);

}  // namespace labkit::ostquant_calibrate
