// Loading a parity data file (data/*.safetensors): per config key, "<key>/config" in the metadata,
// "<key>/weights/<state_dict name>" tensors and the inputs/outputs under "<key>/<name>".
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "labkit/sammed3d/checkpoint.h"
#include "labkit/tensorio/safetensors.h"
#include "labkit/torchutil/tensor_files.h"

namespace parity {

struct Case {
  labkit::sammed3d::Sam3D model{nullptr};
  std::map<std::string, torch::Tensor> t;  // this config's tensors, prefix stripped
};

// The model of config `key` with its stored weights, in `dtype`, eval mode; and its other tensors.
inline Case load_case(const std::string& path, const std::string& key, torch::ScalarType dtype) {
  namespace sm = labkit::sammed3d;
  auto file = labkit::tensorio::SafetensorsFile::open(path);
  auto cfg = sm::SamConfig::from_json(nlohmann::json::parse(file->metadata().at(key + "/config")));
  Case c;
  std::map<std::string, torch::Tensor> weights;
  for (const auto& [name, t] : labkit::torchutil::load_safetensors(path)) {
    if (name.rfind(key + "/", 0) != 0) continue;
    auto rest = name.substr(key.size() + 1);
    if (rest.rfind("weights/", 0) == 0) weights[rest.substr(8)] = t;
    else c.t[rest] = t.clone();
  }
  c.model = sm::Sam3D(cfg);
  sm::load_state(*c.model, weights, path);
  c.model->to(dtype);
  c.model->eval();
  return c;
}

inline double max_abs(const torch::Tensor& a, const torch::Tensor& b) {
  EXPECT_EQ(a.sizes(), b.sizes());
  return (a.to(torch::kFloat64) - b.to(torch::kFloat64)).abs().max().item<double>();
}

}  // namespace parity
