// Fake quantizers (quantize then dequantize, differentiable as the reference's) and the settings W?A?KV?.
#pragma once

#include <torch/types.h>

#include <string>

#include "labkit/llama/forward.h"

namespace labkit::ostquant_calibrate {

// The seven linears of a decoder layer that get quantized (embedding and lm_head stay in float).
inline constexpr const char* kQuantizedLinears[] = {"self_attn.q_proj.weight", "self_attn.k_proj.weight",
                                                    "self_attn.v_proj.weight", "self_attn.o_proj.weight",
                                                    "mlp.gate_proj.weight",    "mlp.up_proj.weight",
                                                    "mlp.down_proj.weight"};

// Bit widths; 16 means "not quantized".
struct QuantSetting {
  int w_bits = 16, a_bits = 16, kv_bits = 16;
  double a_clip = 1.0, kv_clip = 1.0;
  std::string name() const;  // "W4A4KV4", "W4A16"
  bool any_act() const { return a_bits < 16 || kv_bits < 16; }
};
// "W4A16", "w4a8", "W4A4KV4", "W3A8KV8" (KV defaults to 16). Throws InputError on anything else.
QuantSetting parse_setting(const std::string& text);

// round(x) in the forward pass, identity gradient (the reference's round_ste).
torch::Tensor round_ste(const torch::Tensor& x);

// Asymmetric dynamic fake quant over groups of `group` along the last dim (0 = whole last dim), as the
// reference's dynamic quantizer: s = max(xmax - xmin, 1e-6)/(2^b - 1), zp = round(-xmin/s), with
// xmax >= 1e-6 and xmin <= 0 scaled by clip; q = (clamp(round_ste(x/s) + zp, 0, 2^b - 1) - zp)·s.
// Differentiable like the reference: identity through the rounding, zero where clamped, and through s
// into the extreme elements (d q_i/d s = round(x_i/s) - x_i/s inside the grid). bits >= 16 returns x.
torch::Tensor fake_quant_asym(const torch::Tensor& x, int bits, int64_t group = 0, double clip = 1.0);

// Symmetric per-output-channel (row) quantization of W [out, in]: grid [-2^(b-1), 2^(b-1)-1],
// s = max(xmin/qmin, xmax/qmax) per row. With clip search, 80 shrink factors 1 - i/100 and per row the one
// with the least squared error. Returns the dequantized weight; codes/scales if requested.
struct WeightQuant {
  torch::Tensor dequant;  // same shape/dtype as W
  torch::Tensor codes;    // int8 [out, in]
  torch::Tensor scales;   // float32 [out]
};
WeightQuant quantize_weight_sym(const torch::Tensor& W, int bits, bool clip_search);
// The same grid for training: scales from quantize_weight_sym (no gradient, as the reference's MSE clip),
// clamp(round_ste(W/s), qmin, qmax)·s, so gradients pass where a weight is on the grid and stop where clipped.
torch::Tensor fake_quant_weight_sym(const torch::Tensor& W, int bits, bool clip_search);

// Group size for K/V quantization: min(128, head_dim), shrunk until it divides head_dim.
int64_t kv_group_size(int64_t head_dim);

// Forward hooks that fake-quantize activations as OSTQuant does: both norm outputs, o_proj and down_proj
// inputs per token (a_bits), K after RoPE and V per group (kv_bits). Queries stay in float.
labkit::llama::ForwardHooks activation_quant_hooks(const QuantSetting& s, int64_t head_dim);

// Packs int4 codes [-8, 7] two per byte (low nibble first) -> uint8 [out, ceil(in/2)].
torch::Tensor pack_int4(const torch::Tensor& codes);
torch::Tensor unpack_int4(const torch::Tensor& packed, int64_t in_features);

}  // namespace labkit::ostquant_calibrate
