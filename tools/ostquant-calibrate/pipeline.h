// The methods compared in one run, on the same data: full precision, RTN without transforms, fixed
// random-Hadamard rotations (QuaRot-style), learned rotations without scaling (SpinQuant-style), and
// full OSTQuant (learned rotations + scaling).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "calibrate.h"
#include "gptq.h"

namespace labkit::ostquant_calibrate {

enum class Method { kFp, kRtn, kGptq, kQuaRot, kRotOnly, kOst };  // kGptq: no transform, GPTQ weights
const char* method_name(Method m);
Method parse_method(const std::string& s);  // fp, rtn, gptq, quarot, rotonly, ost; InputError otherwise

struct OnlineOptions {
  std::string down = "auto";  // hadamard | orthogonal | none | auto (Hadamard when the size allows)
  uint64_t seed = 0;
};

// Initial transforms of a rotation method: R_res and every R_ov random Hadamard (D·H/√n), unit scales,
// online down_proj rotation per `online`, and the head_dim Hadamard on Q/K when K/V are quantized.
// Throws InputError when a Hadamard size is unsupported (head_dim for Q/K, hidden for down = "hadamard").
// `down_kind` receives what the down rotation is ("hadamard", "orthogonal", "none").
Transforms rotation_init(const labkit::llama::Config& c, const QuantSetting& s, const OnlineOptions& online,
                         std::string* down_kind = nullptr);

struct MethodOutcome {
  labkit::llama::Model model;  // float32, transformed (not quantized) - what gets saved
  Transforms transforms;
  TrainLog train;
  bool trained = false;
  std::string init;  // learned methods: "hadamard" or "klt" (what TrainOptions::init resolved to)
};

// Builds `method` for `setting`: for learned methods trains from rotation_init, with R_res and R_ov
// replaced by their KLT starts when train.init asks for them (opts.learn_* set here).
MethodOutcome build_method(Method method, const QuantSetting& setting, const labkit::llama::Model& original,
                           const labkit::llama::Model& fused64, const std::vector<TokenStream>& calib,
                           TrainOptions train, const OnlineOptions& online);

// The linears of `model` quantized to w_bits: RTN with clip search, or sequential GPTQ calibrated on
// `gptq_calib` when it is given. w_bits >= 16 returns the model unchanged (no linears).
QuantizedModel quantize_model(const labkit::llama::Model& model, int w_bits, bool clip_search,
                              const std::vector<TokenStream>* gptq_calib = nullptr);

// Perplexity of `quantized` with activations fake-quantized per `setting`.
labkit::llama::PerplexityResult evaluate(const labkit::llama::Model& quantized, const QuantSetting& setting,
                                         const std::vector<TokenStream>& streams, int64_t window);

}  // namespace labkit::ostquant_calibrate
