// V-Net as UA-MT / SemiSAM use it (networks/vnet.py, normalization='batchnorm'): n_filters base, blocks of
// 1-2-3-3-3 conv stages down and 3-3-2-1 up, stride-2 convs down and transposed convs up, additive
// skips, Dropout3d(0.5) after block five and block nine when has_dropout, a 1x1 conv to the classes.
// PyTorch's default initialisation, as upstream.
#pragma once

#include "labkit/nets3d/blocks.h"
#include "labkit/nets3d/network.h"

namespace labkit::nets3d {

class VNet : public SegNetwork {
 public:
  explicit VNet(const NetworkSpec& spec);
  torch::Tensor forward(const torch::Tensor& x) override;

  VNetConvBlock block_one{nullptr}, block_two{nullptr}, block_three{nullptr}, block_four{nullptr},
      block_five{nullptr}, block_six{nullptr}, block_seven{nullptr}, block_eight{nullptr}, block_nine{nullptr};
  VNetResampleBlock block_one_dw{nullptr}, block_two_dw{nullptr}, block_three_dw{nullptr}, block_four_dw{nullptr},
      block_five_up{nullptr}, block_six_up{nullptr}, block_seven_up{nullptr}, block_eight_up{nullptr};
  torch::nn::Conv3d out_conv{nullptr};
  torch::nn::Dropout3d dropout{nullptr};
};

}  // namespace labkit::nets3d
