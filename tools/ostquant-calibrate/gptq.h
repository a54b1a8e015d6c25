// GPTQ weight quantization (Frantar et al.): columns quantized in order, each column's rounding error
// spread over the not-yet-quantized columns through the inverse Hessian of the layer input, H = 2XᵀX/N.
// Per-row symmetric grids come from the same MSE clip search as RTN; percdamp 0.01, block 128, no act_order.
#pragma once

#include <torch/types.h>

#include <vector>

#include "labkit/llama/eval.h"

namespace ostq {

// W [out, in], H [in, in] (float64 or float32). Returns the dequantized weight in W's dtype.
torch::Tensor gptq_quantize(const torch::Tensor& W, const torch::Tensor& H, int bits, bool clip_search,
                            double percdamp = 0.01, int64_t block = 128);

// Quantizes every linear of `model` (not embedding / lm_head) with GPTQ, Hessians measured on `calib`
// through the unquantized model (one pass: inputs of q/k/v, o, gate/up, down per layer).
labkit::llama::Model gptq_quantize_model(const labkit::llama::Model& model, int bits, bool clip_search,
                                         const std::vector<labkit::llama::TokenStream>& calib);

}  // namespace ostq
