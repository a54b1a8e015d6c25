#include "pipeline.h"

#include <torch/torch.h>

#include "labkit/core/error.h"
#include "gptq.h"
#include "klt.h"
#include "labkit/llama/hadamard.h"

namespace labkit::ostquant_calibrate {

const char* method_name(Method m) {
  switch (m) {
    case Method::kFp: return "fp";
    case Method::kRtn: return "rtn";
    case Method::kGptq: return "gptq";
    case Method::kQuaRot: return "quarot";
    case Method::kRotOnly: return "rotonly";
    case Method::kOst: return "ost";
  }
  return "?";
}

Method parse_method(const std::string& s) {
  for (auto m : {Method::kFp, Method::kRtn, Method::kGptq, Method::kQuaRot, Method::kRotOnly, Method::kOst})
    if (s == method_name(m)) return m;
  throw labkit::InputError("method \"" + s + "\": expected fp, rtn, gptq, quarot, rotonly or ost");
}

static torch::Tensor orthogonal_hadamard_or_random(int64_t n, uint64_t seed) {
  return labkit::llama::hadamard_supported(n) ? labkit::llama::random_hadamard(n, seed)
                                              : labkit::llama::random_orthogonal(n, seed);
}

Transforms rotation_init(const labkit::llama::Config& c, const QuantSetting& s, const OnlineOptions& online,
                         std::string* down_kind) {
  using namespace labkit::llama;
  Transforms t = identity_transforms(c);
  t.R_res = orthogonal_hadamard_or_random(c.dim, online.seed + 11);
  for (int64_t l = 0; l < c.n_layers; ++l) {
    std::vector<torch::Tensor> heads;
    for (int64_t h = 0; h < c.n_kv_heads; ++h)
      heads.push_back(orthogonal_hadamard_or_random(c.head_dim, online.seed + 1000 + 100 * l + h));
    t.R_ov[l] = torch::stack(heads);
  }
  std::string kind = online.down;
  if (kind == "auto") kind = hadamard_supported(c.hidden) ? "hadamard" : "orthogonal";
  if (kind == "hadamard") {
    if (!hadamard_supported(c.hidden))
      throw labkit::InputError("online down_proj Hadamard (intermediate_size " + std::to_string(c.hidden) +
                       "): " + hadamard_unsupported_reason(c.hidden) + "; use down_rotation=orthogonal or none");
    t.online_down = hadamard(c.hidden) / std::sqrt(static_cast<double>(c.hidden));
  } else if (kind == "orthogonal") {
    t.online_down = random_orthogonal(c.hidden, online.seed + 7);
  } else if (kind != "none") {
    throw labkit::InputError("down_rotation \"" + online.down + "\": expected auto, hadamard, orthogonal or none");
  }
  if (down_kind) *down_kind = kind;
  if (s.kv_bits < 16) {
    if (!hadamard_supported(c.head_dim))
      throw labkit::InputError("head_dim " + std::to_string(c.head_dim) + " is unsupported for the online Q/K Hadamard " +
                       "needed by KV quantization: " + hadamard_unsupported_reason(c.head_dim));
    t.online_qk = hadamard(c.head_dim) / std::sqrt(static_cast<double>(c.head_dim));
  }
  return t;
}

MethodOutcome build_method(Method method, const QuantSetting& setting, const labkit::llama::Model& original,
                           const labkit::llama::Model& fused64, const std::vector<TokenStream>& calib,
                           TrainOptions train, const OnlineOptions& online) {
  MethodOutcome r;
  if (method == Method::kFp || method == Method::kRtn || method == Method::kGptq) {
    r.model = original;
    return r;
  }
  r.transforms = rotation_init(original.config, setting, online);
  if (method == Method::kRotOnly || method == Method::kOst) {
    const bool klt = train.init == "klt" || (train.init == "auto" && setting.any_act());
    if (klt) {
      r.transforms.R_res = klt_residual_rotation(fused64, online.seed + 11);
      for (int64_t l = 0; l < original.config.n_layers; ++l)
        r.transforms.R_ov[l] = klt_ov_rotations(fused64, l, online.seed + 1000);
    }
    r.init = klt ? "klt" : "hadamard";
    train.learn_rotations = true;
    train.learn_scales = method == Method::kOst;
    auto fused32 = fused64.to(torch::kFloat, original.w("model.embed_tokens.weight").device());
    r.train = train_transforms(original, fused32, r.transforms, setting, calib, train);
    r.trained = true;
  }
  torch::NoGradGuard ng;
  auto device = original.w("model.embed_tokens.weight").device();
  r.model = apply_transforms(fused64, r.transforms).to(torch::kFloat, device);  // fused in float64
  return r;
}

QuantizedModel quantize_model(const labkit::llama::Model& model, int w_bits, bool clip_search,
                              const std::vector<TokenStream>* gptq_calib) {
  torch::NoGradGuard ng;
  if (w_bits >= 16) return {model, {}};
  if (gptq_calib) return gptq_quantize_model(model, w_bits, clip_search, *gptq_calib);
  QuantizedModel q{model, {}};
  for (int64_t l = 0; l < model.config.n_layers; ++l)
    for (const char* name : kQuantizedLinears) {
      const auto key = labkit::llama::layer_key(l, name);
      auto wq = quantize_weight_sym(model.w(key), w_bits, clip_search);
      q.model.weights[key] = wq.dequant;
      q.linears[key] = std::move(wq);
    }
  return q;
}

labkit::llama::PerplexityResult evaluate(const labkit::llama::Model& quantized, const QuantSetting& setting,
                                         const std::vector<TokenStream>& streams, int64_t window) {
  torch::NoGradGuard ng;
  auto hooks = activation_quant_hooks(setting, quantized.config.head_dim);
  return labkit::llama::perplexity(quantized, streams, window, window, setting.any_act() ? &hooks : nullptr);
}

}  // namespace labkit::ostquant_calibrate
