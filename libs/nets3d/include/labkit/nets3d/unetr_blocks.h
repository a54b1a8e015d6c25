// The convolutional blocks of MONAI's UNETR / Swin-UNETR decoders (monai.networks.blocks.unetr_block and
// dynunet_block), with MONAI's module names so that a state_dict maps one to one. puir-train's decoder is
// built from them; any 3D encoder-decoder with skip connections can use them.
#pragma once

#include <torch/torch.h>

namespace labkit::nets3d {

// UnetResBlock (stride 1): conv1 (k3, no bias) -> norm1 -> LeakyReLU(0.01) -> conv2 -> norm2, plus the
// input (through conv3 1x1 + norm3 when the channel count changes), then LeakyReLU. Norms are
// InstanceNorm3d without affine parameters (MONAI's "instance").
struct UnetResBlockImpl : torch::nn::Module {
  UnetResBlockImpl(int64_t in, int64_t out, int64_t kernel = 3);
  torch::Tensor forward(const torch::Tensor& x);
  torch::nn::Conv3d conv1{nullptr}, conv2{nullptr}, conv3{nullptr};
  torch::nn::InstanceNorm3d norm1{nullptr}, norm2{nullptr}, norm3{nullptr};
};
TORCH_MODULE(UnetResBlock);

// UnetrBasicBlock with res_block=True: one UnetResBlock named "layer".
struct UnetrBasicBlockImpl : torch::nn::Module {
  UnetrBasicBlockImpl(int64_t in, int64_t out, int64_t kernel = 3);
  torch::Tensor forward(const torch::Tensor& x) { return layer->forward(x); }
  UnetResBlock layer{nullptr};
};
TORCH_MODULE(UnetrBasicBlock);

// UnetrUpBlock: transp_conv (ConvTranspose3d k2 s2, no bias) of the deeper input, concatenated before the
// skip, then conv_block = UnetResBlock(2*out -> out). Sizes must match after the upsampling.
struct UnetrUpBlockImpl : torch::nn::Module {
  UnetrUpBlockImpl(int64_t in, int64_t out);
  torch::Tensor forward(const torch::Tensor& deeper, const torch::Tensor& skip);
  torch::nn::ConvTranspose3d transp_conv{nullptr};
  UnetResBlock conv_block{nullptr};
};
TORCH_MODULE(UnetrUpBlock);

// UnetOutBlock: a 1x1x1 Conv3d with bias, named "conv".
struct UnetOutBlockImpl : torch::nn::Module {
  UnetOutBlockImpl(int64_t in, int64_t out);
  torch::Tensor forward(const torch::Tensor& x) { return conv->forward(x); }
  torch::nn::Conv3d conv{nullptr};
};
TORCH_MODULE(UnetOutBlock);

}  // namespace labkit::nets3d
