// Small building blocks shared by the three SAM-Med3D parts, named as upstream names their parameters.
#pragma once

#include <torch/torch.h>

namespace labkit::sammed3d {

// Channel LayerNorm over dim 1 of (B, C, D, H, W) ("LayerNorm3d" upstream): parameters weight, bias.
struct LayerNorm3dImpl : torch::nn::Module {
  explicit LayerNorm3dImpl(int64_t channels, double eps = 1e-6);
  torch::Tensor forward(const torch::Tensor& x);
  torch::Tensor weight, bias;
  double eps;
};
TORCH_MODULE(LayerNorm3d);

// lin1 -> activation -> lin2 ("MLPBlock"): GELU (erf) in the ViT, ReLU in the two-way transformer.
struct MLPBlockImpl : torch::nn::Module {
  MLPBlockImpl(int64_t dim, int64_t hidden, bool relu);
  torch::Tensor forward(const torch::Tensor& x);
  torch::nn::Linear lin1{nullptr}, lin2{nullptr};
  bool relu;
};
TORCH_MODULE(MLPBlock);

// `layers.{0..n-1}` Linear with ReLU between them ("MLP" of the mask decoder heads).
struct MLPImpl : torch::nn::Module {
  MLPImpl(int64_t in, int64_t hidden, int64_t out, int64_t num_layers);
  torch::Tensor forward(torch::Tensor x);
  torch::nn::ModuleList layers;
};
TORCH_MODULE(MLP);

}  // namespace labkit::sammed3d
