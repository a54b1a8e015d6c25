// Conv blocks of the 3D segmentation networks, with upstream's module names so that a state_dict of the
// Python networks maps one to one (SSL4MIS networks/utils.py and UA-MT networks/vnet.py).
#pragma once

#include <torch/torch.h>

namespace labkit::nets3d {

enum class Norm { kNone, kInstance, kBatch };

// One stage: Conv3d(k, padding k/2, bias) -> norm -> ReLU, as an nn.Sequential whose conv is index 0
// (upstream names "conv1.0.weight", "conv.3.weight", ...). Instance norm is affine=False without running
// statistics (PyTorch's InstanceNorm3d defaults), batch norm is affine with running statistics.
void append_conv_norm_relu(torch::nn::Sequential& seq, int64_t in, int64_t out, int64_t kernel, Norm norm);

// UnetConv3 with k3 p1: conv1 = [Conv3d, InstanceNorm3d, ReLU], conv2 = the same (out -> out).
struct UnetConv3Impl : torch::nn::Module {
  UnetConv3Impl(int64_t in, int64_t out, Norm norm = Norm::kInstance);
  torch::Tensor forward(const torch::Tensor& x);
  torch::nn::Sequential conv1{nullptr}, conv2{nullptr};
};
TORCH_MODULE(UnetConv3);

// UnetUp3_CT: trilinear x2 upsampling of the deeper input (align_corners false), concatenated after the
// skip, then UnetConv3(in + out -> out). Upstream pads the skip by the size difference (zero for even
// sizes); this block requires the sizes to match and throws otherwise.
struct UnetUp3CTImpl : torch::nn::Module {
  UnetUp3CTImpl(int64_t in, int64_t out, Norm norm = Norm::kInstance);
  torch::Tensor forward(const torch::Tensor& skip, const torch::Tensor& deeper);
  UnetConv3 conv{nullptr};
};
TORCH_MODULE(UnetUp3CT);

// V-Net ConvBlock: `stages` x [Conv3d k3 p1, norm, ReLU] in one Sequential named "conv".
struct VNetConvBlockImpl : torch::nn::Module {
  VNetConvBlockImpl(int stages, int64_t in, int64_t out, Norm norm);
  torch::Tensor forward(const torch::Tensor& x) { return conv->forward(x); }
  torch::nn::Sequential conv{nullptr};
};
TORCH_MODULE(VNetConvBlock);

// V-Net resolution change by 2: strided Conv3d k2 s2 (down) or ConvTranspose3d k2 s2 (up), norm, ReLU,
// in one Sequential named "conv".
struct VNetResampleBlockImpl : torch::nn::Module {
  VNetResampleBlockImpl(bool up, int64_t in, int64_t out, Norm norm);
  torch::Tensor forward(const torch::Tensor& x) { return conv->forward(x); }
  torch::nn::Sequential conv{nullptr};
};
TORCH_MODULE(VNetResampleBlock);

// Kaiming-normal (a = 0, fan_in) on every Conv3d weight of `m`, as upstream's init_weights(kaiming);
// biases keep PyTorch's default uniform initialisation, as upstream.
void kaiming_init_convs(torch::nn::Module& m);

}  // namespace labkit::nets3d
