#include "labkit/sammed3d/layers.h"

namespace labkit::sammed3d {

LayerNorm3dImpl::LayerNorm3dImpl(int64_t channels, double eps_) : eps(eps_) {
  weight = register_parameter("weight", torch::ones({channels}));
  bias = register_parameter("bias", torch::zeros({channels}));
}

torch::Tensor LayerNorm3dImpl::forward(const torch::Tensor& x) {
  auto u = x.mean(1, true);
  auto s = (x - u).pow(2).mean(1, true);
  auto y = (x - u) / torch::sqrt(s + eps);
  return weight.view({1, -1, 1, 1, 1}) * y + bias.view({1, -1, 1, 1, 1});
}

MLPBlockImpl::MLPBlockImpl(int64_t dim, int64_t hidden, bool relu_) : relu(relu_) {
  lin1 = register_module("lin1", torch::nn::Linear(dim, hidden));
  lin2 = register_module("lin2", torch::nn::Linear(hidden, dim));
}

torch::Tensor MLPBlockImpl::forward(const torch::Tensor& x) {
  auto h = lin1(x);
  return lin2(relu ? torch::relu(h) : torch::gelu(h));
}

MLPImpl::MLPImpl(int64_t in, int64_t hidden, int64_t out, int64_t num_layers) {
  layers = register_module("layers", torch::nn::ModuleList());
  for (int64_t i = 0; i < num_layers; ++i) {
    const int64_t a = i == 0 ? in : hidden, b = i == num_layers - 1 ? out : hidden;
    layers->push_back(torch::nn::Linear(a, b));
  }
}

torch::Tensor MLPImpl::forward(torch::Tensor x) {
  const size_t n = layers->size();
  for (size_t i = 0; i < n; ++i) {
    x = layers[i]->as<torch::nn::Linear>()->forward(x);
    if (i + 1 < n) x = torch::relu(x);
  }
  return x;
}

}  // namespace labkit::sammed3d
