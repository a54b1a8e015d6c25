// Upstream's unet_3D (SSL4MIS networks/unet_3D.py, used by SemiSAM+): a 4-level U-Net whose filters are
// base * [1, 2, 4, 8, 16] (16..256 at the default feature_scale 4), UnetConv3 blocks with InstanceNorm3d
// (affine=False), max-pool downsampling, trilinear upsampling with concatenation, Dropout(0.3) after the
// centre block and after up1, a 1x1 conv to the classes, Kaiming-normal conv weights.
#pragma once

#include "labkit/nets3d/blocks.h"
#include "labkit/nets3d/network.h"

namespace labkit::nets3d {

class UNet3D : public SegNetwork {
 public:
  explicit UNet3D(const NetworkSpec& spec);
  torch::Tensor forward(const torch::Tensor& x) override;

  UnetConv3 conv1{nullptr}, conv2{nullptr}, conv3{nullptr}, conv4{nullptr}, center{nullptr};
  UnetUp3CT up_concat4{nullptr}, up_concat3{nullptr}, up_concat2{nullptr}, up_concat1{nullptr};
  torch::nn::Conv3d final{nullptr};
  torch::nn::Dropout dropout1{nullptr}, dropout2{nullptr};
};

}  // namespace labkit::nets3d
