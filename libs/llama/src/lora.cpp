#include "labkit/llama/lora.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>

#include "labkit/core/atomic_file.h"
#include "labkit/core/error.h"
#include "labkit/core/json_file.h"
#include "labkit/torchutil/tensor_files.h"

namespace labkit::llama {

namespace fs = std::filesystem;

namespace {

const std::map<std::string, std::string>& module_prefix() {
  static const std::map<std::string, std::string> m{
      {"q_proj", "self_attn."}, {"k_proj", "self_attn."}, {"v_proj", "self_attn."}, {"o_proj", "self_attn."},
      {"gate_proj", "mlp."},    {"up_proj", "mlp."},      {"down_proj", "mlp."}};
  return m;
}

const std::string kPeftPrefix = "base_model.model.";

// "model.layers.3.self_attn.q_proj.weight" -> "base_model.model.model.layers.3.self_attn.q_proj.lora_A.weight"
std::string peft_key(const std::string& weight, const char* which) {
  return kPeftPrefix + weight.substr(0, weight.size() - std::string(".weight").size()) + ".lora_" + which + ".weight";
}

}  // namespace

void LoraConfig::validate(const std::string& source) const {
  if (rank < 1) throw input_error(source, "LoRA rank must be at least 1, got " + std::to_string(rank));
  if (!(alpha > 0)) throw input_error(source, "LoRA alpha must be positive");
  if (targets.empty()) throw input_error(source, "LoRA needs at least one target module");
  for (const auto& t : targets)
    if (!module_prefix().count(t))
      throw input_error(source, "unknown LoRA target module '" + t + "' (q_proj k_proj v_proj o_proj gate_proj up_proj down_proj)");
}

torch::Tensor LoraAdapters::delta(const std::string& name, const torch::Tensor& x) const {
  const auto it = ab.find(name);
  if (it == ab.end()) return {};
  const auto& [a, b] = it->second;
  return torch::matmul(torch::matmul(x, a.to(x.scalar_type()).t()), b.to(x.scalar_type()).t()) * config.scale();
}

LoraAdapters init_lora(const Model& base, const LoraConfig& config, uint64_t seed) {
  config.validate("LoRA settings");
  LoraAdapters lora;
  lora.config = config;
  auto gen = at::detail::createCPUGenerator(seed);
  for (int64_t l = 0; l < base.config.n_layers; ++l)
    for (const auto& t : config.targets) {  // targets in the given order, layers ascending: seed-stable draws
      const std::string name = layer_key(l, module_prefix().at(t) + t + ".weight");
      const auto& w = base.w(name);
      const int64_t out = w.size(0), in = w.size(1);
      const double bound = 1.0 / std::sqrt(static_cast<double>(in));
      auto a = (torch::rand({config.rank, in}, gen, torch::kDouble) * 2.0 - 1.0) * bound;
      lora.ab[name] = {a.to(w.scalar_type()), torch::zeros({out, config.rank}, w.options())};
    }
  return lora;
}

Model merge_lora(const Model& base, const LoraAdapters& adapters) {
  torch::NoGradGuard no_grad;
  Model m = base.clone();
  m.lora.reset();
  for (const auto& [name, ab] : adapters.ab) {
    auto& w = m.weights.at(name);
    // In float64, then back: merging adds one rounding, not two.
    const auto update = torch::matmul(ab.second.to(torch::kDouble), ab.first.to(torch::kDouble)) * adapters.config.scale();
    w = (w.to(torch::kDouble) + update).to(w.scalar_type());
  }
  return m;
}

void save_peft(const LoraAdapters& adapters, const std::string& dir, const std::string& base_model) {
  fs::create_directories(dir);
  std::map<std::string, torch::Tensor> tensors;
  for (const auto& [name, ab] : adapters.ab) {
    tensors[peft_key(name, "A")] = ab.first.detach().to(torch::kFloat);
    tensors[peft_key(name, "B")] = ab.second.detach().to(torch::kFloat);
  }
  torchutil::save_safetensors((fs::path(dir) / "adapter_model.safetensors").string(), tensors, {{"format", "pt"}});
  const nlohmann::json config{{"peft_type", "LORA"},
                              {"task_type", "CAUSAL_LM"},
                              {"base_model_name_or_path", base_model},
                              {"r", adapters.config.rank},
                              {"lora_alpha", adapters.config.alpha},
                              {"lora_dropout", 0.0},
                              {"target_modules", adapters.config.targets},
                              {"bias", "none"},
                              {"fan_in_fan_out", false},
                              {"inference_mode", true},
                              {"init_lora_weights", true},
                              {"use_rslora", false},
                              {"use_dora", false},
                              {"modules_to_save", nullptr},
                              {"layers_to_transform", nullptr}};
  write_file_atomically((fs::path(dir) / "adapter_config.json").string(), config.dump(2) + "\n");
}

LoraAdapters load_peft(const std::string& dir, const Config& base) {
  const auto config_path = (fs::path(dir) / "adapter_config.json").string();
  const auto weights_path = (fs::path(dir) / "adapter_model.safetensors").string();
  const nlohmann::json j = read_json_file(config_path, "the adapter config");
  if (!j.is_object() || j.value("peft_type", "") != "LORA") throw input_error(config_path, "not a LoRA adapter (peft_type must be \"LORA\")");
  if (!j.contains("r") || !j["r"].is_number_integer() || !j.contains("lora_alpha") || !j["lora_alpha"].is_number() ||
      !j.contains("target_modules") || !j["target_modules"].is_array())
    throw input_error(config_path, "needs integer \"r\", number \"lora_alpha\" and a \"target_modules\" list");
  for (const char* unsupported : {"use_dora", "use_rslora", "fan_in_fan_out"})
    if (j.contains(unsupported) && j[unsupported].is_boolean() && j[unsupported].get<bool>())
      throw input_error(config_path, std::string(unsupported) + " adapters are not supported");
  LoraAdapters lora;
  lora.config.rank = j["r"].get<int64_t>();
  lora.config.alpha = j["lora_alpha"].get<double>();
  lora.config.targets.clear();
  for (const auto& t : j["target_modules"]) {
    if (!t.is_string()) throw input_error(config_path, "target_modules must be strings");
    lora.config.targets.push_back(t.get<std::string>());
  }
  lora.config.validate(config_path);

  std::map<std::string, std::vector<int64_t>> shapes;  // the adaptable weights of this architecture
  for (const auto& [name, shape] : expected_tensors(base)) shapes[name] = shape;
  const auto expected_weight = [&](const std::string& key, std::string& which) {
    // "base_model.model.<weight without .weight>.lora_X.weight" -> "<weight>.weight"
    for (const char* w : {"A", "B"}) {
      const std::string tail = std::string(".lora_") + w + ".weight";
      if (key.size() > kPeftPrefix.size() + tail.size() && key.compare(0, kPeftPrefix.size(), kPeftPrefix) == 0 &&
          key.compare(key.size() - tail.size(), tail.size(), tail) == 0) {
        which = w;
        return key.substr(kPeftPrefix.size(), key.size() - kPeftPrefix.size() - tail.size()) + ".weight";
      }
    }
    throw input_error(weights_path, "tensor '" + key + "' is not a PEFT LoRA weight (base_model.model.*.lora_A/B.weight)");
  };
  std::set<std::string> targets(lora.config.targets.begin(), lora.config.targets.end());
  for (auto& [key, t] : torchutil::load_safetensors(weights_path)) {
    std::string which;
    const std::string name = expected_weight(key, which);
    const auto it = shapes.find(name);
    const auto module = name.substr(0, name.size() - 7);  // without ".weight"
    const auto dot = module.rfind('.');
    if (it == shapes.end() || it->second.size() != 2 || !targets.count(module.substr(dot + 1)))
      throw input_error(weights_path, "tensor '" + key + "' adapts no target weight of this model (another architecture?)");
    const int64_t out = it->second[0], in = it->second[1];
    const std::vector<int64_t> want = which == "A" ? std::vector<int64_t>{lora.config.rank, in} : std::vector<int64_t>{out, lora.config.rank};
    if (t.sizes().vec() != want)
      throw input_error(weights_path, "tensor '" + key + "' has shape " + c10::str(t.sizes()) + ", this model and r=" +
                                          std::to_string(lora.config.rank) + " need " + c10::str(c10::IntArrayRef(want)));
    auto& slot = lora.ab[name];
    (which == "A" ? slot.first : slot.second) = t.to(torch::kFloat).clone();
  }
  if (lora.ab.empty()) throw input_error(weights_path, "holds no LoRA weight");
  for (const auto& [name, ab] : lora.ab)
    if (!ab.first.defined() || !ab.second.defined())
      throw input_error(weights_path, "LoRA weight for " + name + " has lora_A or lora_B but not both");
  return lora;
}

}  // namespace labkit::llama
