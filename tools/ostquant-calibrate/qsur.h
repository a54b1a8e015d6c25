// QSUR (quantization space utilization rate): volume of the activation distribution's ellipsoid over the
// volume of the per-tensor quantization hypercube, for X ~ N(0, Σ). Reconstruction from the reference note
// (the paper's equations are not public): log QSUR = (d/2)lnπ + ½Σ ln λ_i − lnΓ(d/2+1) − d ln2
// − (d/2) ln λ_max − d ln‖q_max‖_∞, q_max the eigenvector of λ_max. Reported per dimension,
// relative to the best case (equal eigenvalues, ‖q_max‖_∞ = d^−1/2), so 1 = perfect.
#pragma once

#include <torch/types.h>

#include <nlohmann/json.hpp>
#include <vector>

#include "labkit/llama/eval.h"

namespace labkit::ostquant_calibrate {

struct Qsur {
  double log_qsur = 0;   // natural log
  double relative = 0;   // exp((log_qsur - log_qsur_max) / d) in (0, 1]
  int64_t dim = 0;
};
// x: [N, d] samples (rows).
Qsur qsur(const torch::Tensor& x);

// QSUR of the quantized activation sites (attn_in, o_in, mlp_in, down_in) of every layer, measured on
// `streams`: {"layers": [{"attn_in": rel, ...}, ...], "mean": {"attn_in": mean rel, ...}}.
nlohmann::json qsur_report(const labkit::llama::Model& model, const std::vector<labkit::llama::TokenStream>& streams);

}  // namespace labkit::ostquant_calibrate
