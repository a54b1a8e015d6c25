#include "labkit/sammed3d/checkpoint.h"

#include <set>
#include <sstream>

#include "labkit/core/error.h"
#include "labkit/tensorio/safetensors.h"
#include "labkit/torchutil/tensor_files.h"

namespace labkit::sammed3d {
using namespace tensorio;  // H5File, safetensors and dtypes (libs/tensorio)
namespace {

std::string shape_str(c10::IntArrayRef s) {
  std::ostringstream o;
  o << "[";
  for (size_t i = 0; i < s.size(); ++i) o << (i ? "," : "") << s[i];
  o << "]";
  return o.str();
}

}  // namespace

SamConfig read_checkpoint_config(const std::string& path) {
  auto file = SafetensorsFile::open(path);
  auto it = file->metadata().find(kConfigMetadataKey);
  if (it == file->metadata().end()) return SamConfig::vit_b_ori();
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(it->second);
  } catch (const nlohmann::json::exception& e) {
    throw input_error(path, std::string("metadata '") + kConfigMetadataKey + "' is not JSON: " + e.what());
  }
  return SamConfig::from_json(j, path);
}

void load_weights(Sam3DImpl& model, const std::string& path) {
  load_state(model, torchutil::load_safetensors(path), path);
}

void load_state(Sam3DImpl& model, const std::map<std::string, torch::Tensor>& tensors, const std::string& path) {
  auto target = state_dict(model);
  for (const auto& [name, t] : target) {
    auto it = tensors.find(name);
    if (it == tensors.end())
      throw input_error(path, "missing tensor '" + name + "' (expected shape " + shape_str(t.sizes()) + ")");
    if (it->second.sizes() != t.sizes())
      throw input_error(path, "tensor '" + name + "' has shape " + shape_str(it->second.sizes()) + ", expected " +
                                  shape_str(t.sizes()) + " (wrong model config?)");
    if (!it->second.is_floating_point())
      throw input_error(path, "tensor '" + name + "' is not floating point");
    if (!torch::isfinite(it->second).all().item<bool>())
      throw input_error(path, "tensor '" + name + "' holds NaN or inf values");
  }
  for (const auto& [name, t] : tensors)
    if (!target.count(name)) throw input_error(path, "unexpected tensor '" + name + "' (not part of the model)");
  torch::NoGradGuard no_grad;
  for (auto& [name, t] : target) t.copy_(tensors.at(name).to(t.device(), t.scalar_type()));
}

Sam3D load_model(const std::string& path, torch::Device device) {
  Sam3D model(read_checkpoint_config(path));
  load_weights(*model, path);
  model->to(device);
  model->eval();
  return model;
}

void save_model(Sam3DImpl& model, const std::string& path) {
  std::map<std::string, torch::Tensor> out;
  for (const auto& [name, t] : state_dict(model)) out[name] = t.detach().to(torch::kCPU, torch::kFloat32);
  torchutil::save_safetensors(path, out, {{kConfigMetadataKey, model.config.to_json().dump()}});
}

Sam3D init_model(const SamConfig& c, uint64_t seed) {
  torch::manual_seed(seed);
  Sam3D model(c);
  model->eval();
  return model;
}

}  // namespace labkit::sammed3d
