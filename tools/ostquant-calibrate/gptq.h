// GPTQ weight quantization (Frantar et al.): columns quantized in order, each column's rounding error
// spread over the not-yet-quantized columns through the inverse Hessian of the layer input, H = 2XᵀX/N.
// Per-row symmetric grids come from the same MSE clip search as RTN; percdamp 0.01, block 128, no act_order.
#pragma once

#include <torch/types.h>

#include <map>
#include <string>
#include <vector>

#include "labkit/llama/eval.h"
#include "quant.h"

namespace labkit::ostquant_calibrate {

// W [out, in], H [in, in] (float64 or float32). Returns the dequantized weight in W's dtype with its int
// codes and per-row scales (the same grid as quantize_weight_sym's).
WeightQuant gptq_quantize(const torch::Tensor& W, const torch::Tensor& H, int bits, bool clip_search,
                          double percdamp = 0.01, int64_t block = 128);

struct QuantizedModel {
  labkit::llama::Model model;                   // the linears replaced by their dequantized weights
  std::map<std::string, WeightQuant> linears;   // by weight name: codes and scales
};

// Quantizes every linear of `model` (not embedding / lm_head) with GPTQ, sequentially as QuaRot's
// gptq_fwd (which OSTQuant runs): layer l's Hessians come from hidden states produced by the already
// quantized layers 0..l-1, and inside a layer each group (q/k/v, then o, then gate/up, then down) is
// calibrated on the outputs of the groups quantized before it. Activations stay in float while the
// Hessians are collected, as in the reference, where activation quantizers are configured after GPTQ.
QuantizedModel gptq_quantize_model(const labkit::llama::Model& model, int bits, bool clip_search,
                                   const std::vector<labkit::llama::TokenStream>& calib);

}  // namespace labkit::ostquant_calibrate
