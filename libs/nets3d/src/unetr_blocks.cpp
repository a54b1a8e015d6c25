#include "labkit/nets3d/unetr_blocks.h"

#include <stdexcept>

namespace labkit::nets3d {

namespace nn = torch::nn;

namespace {

nn::Conv3d conv(int64_t in, int64_t out, int64_t kernel) {
  return nn::Conv3d(nn::Conv3dOptions(in, out, kernel).padding(kernel / 2).bias(false));
}

nn::InstanceNorm3d instance_norm(int64_t channels) {
  return nn::InstanceNorm3d(nn::InstanceNorm3dOptions(channels).affine(false).track_running_stats(false));
}

torch::Tensor leaky(const torch::Tensor& x) { return torch::leaky_relu(x, 0.01); }

}  // namespace

UnetResBlockImpl::UnetResBlockImpl(int64_t in, int64_t out, int64_t kernel) {
  conv1 = register_module("conv1", conv(in, out, kernel));
  conv2 = register_module("conv2", conv(out, out, kernel));
  norm1 = register_module("norm1", instance_norm(out));
  norm2 = register_module("norm2", instance_norm(out));
  if (in != out) {
    conv3 = register_module("conv3", conv(in, out, 1));
    norm3 = register_module("norm3", instance_norm(out));
  }
}

torch::Tensor UnetResBlockImpl::forward(const torch::Tensor& x) {
  auto y = norm2->forward(conv2->forward(leaky(norm1->forward(conv1->forward(x)))));
  const auto residual = conv3 ? norm3->forward(conv3->forward(x)) : x;
  return leaky(y + residual);
}

UnetrBasicBlockImpl::UnetrBasicBlockImpl(int64_t in, int64_t out, int64_t kernel) {
  layer = register_module("layer", UnetResBlock(in, out, kernel));
}

UnetrUpBlockImpl::UnetrUpBlockImpl(int64_t in, int64_t out) {
  transp_conv = register_module("transp_conv",
                                nn::ConvTranspose3d(nn::ConvTranspose3dOptions(in, out, 2).stride(2).bias(false)));
  conv_block = register_module("conv_block", UnetResBlock(2 * out, out, 3));
}

torch::Tensor UnetrUpBlockImpl::forward(const torch::Tensor& deeper, const torch::Tensor& skip) {
  auto up = transp_conv->forward(deeper);
  if (up.sizes() != skip.sizes())
    throw std::invalid_argument("UnetrUpBlock: the upsampled input and the skip differ in size");
  return conv_block->forward(torch::cat({up, skip}, 1));
}

UnetOutBlockImpl::UnetOutBlockImpl(int64_t in, int64_t out) {
  conv = register_module("conv", nn::Conv3d(nn::Conv3dOptions(in, out, 1).bias(true)));
}

}  // namespace labkit::nets3d
