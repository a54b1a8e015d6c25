#include "labkit/nets3d/blocks.h"

#include <stdexcept>

namespace labkit::nets3d {

namespace nn = torch::nn;

void append_conv_norm_relu(nn::Sequential& seq, int64_t in, int64_t out, int64_t kernel, Norm norm) {
  seq->push_back(nn::Conv3d(nn::Conv3dOptions(in, out, kernel).padding(kernel / 2).bias(true)));
  if (norm == Norm::kInstance)
    seq->push_back(nn::InstanceNorm3d(nn::InstanceNorm3dOptions(out).affine(false).track_running_stats(false)));
  else if (norm == Norm::kBatch)
    seq->push_back(nn::BatchNorm3d(nn::BatchNorm3dOptions(out)));
  seq->push_back(nn::ReLU(nn::ReLUOptions(true)));
}

UnetConv3Impl::UnetConv3Impl(int64_t in, int64_t out, Norm norm) {
  conv1 = register_module("conv1", nn::Sequential());
  conv2 = register_module("conv2", nn::Sequential());
  append_conv_norm_relu(conv1, in, out, 3, norm);
  append_conv_norm_relu(conv2, out, out, 3, norm);
}

torch::Tensor UnetConv3Impl::forward(const torch::Tensor& x) { return conv2->forward(conv1->forward(x)); }

UnetUp3CTImpl::UnetUp3CTImpl(int64_t in, int64_t out, Norm norm) {
  conv = register_module("conv", UnetConv3(in + out, out, norm));
}

torch::Tensor UnetUp3CTImpl::forward(const torch::Tensor& skip, const torch::Tensor& deeper) {
  auto up = torch::nn::functional::interpolate(
      deeper, nn::functional::InterpolateFuncOptions()
                  .scale_factor(std::vector<double>{2, 2, 2})
                  .mode(torch::kTrilinear)
                  .align_corners(false));
  if (up.sizes().slice(2) != skip.sizes().slice(2))
    throw std::invalid_argument("UnetUp3CT: the input size must be divisible by 16 (skip and upsampled sizes differ)");
  return conv->forward(torch::cat({skip, up}, 1));
}

VNetConvBlockImpl::VNetConvBlockImpl(int stages, int64_t in, int64_t out, Norm norm) {
  conv = register_module("conv", nn::Sequential());
  for (int s = 0; s < stages; ++s) append_conv_norm_relu(conv, s == 0 ? in : out, out, 3, norm);
}

VNetResampleBlockImpl::VNetResampleBlockImpl(bool up, int64_t in, int64_t out, Norm norm) {
  conv = register_module("conv", nn::Sequential());
  if (up)
    conv->push_back(nn::ConvTranspose3d(nn::ConvTranspose3dOptions(in, out, 2).stride(2)));
  else
    conv->push_back(nn::Conv3d(nn::Conv3dOptions(in, out, 2).stride(2)));
  if (norm == Norm::kInstance)
    conv->push_back(nn::InstanceNorm3d(nn::InstanceNorm3dOptions(out).affine(false).track_running_stats(false)));
  else if (norm == Norm::kBatch)
    conv->push_back(nn::BatchNorm3d(nn::BatchNorm3dOptions(out)));
  conv->push_back(nn::ReLU(nn::ReLUOptions(true)));
}

void kaiming_init_convs(nn::Module& m) {
  torch::NoGradGuard no_grad;
  for (auto& sub : m.modules(/*include_self=*/false))
    if (auto* c = sub->as<nn::Conv3d>())
      nn::init::kaiming_normal_(c->weight, 0.0, torch::kFanIn, torch::kReLU);
}

}  // namespace labkit::nets3d
