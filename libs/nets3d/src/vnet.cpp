#include "labkit/nets3d/vnet.h"

namespace labkit::nets3d {

namespace nn = torch::nn;

VNet::VNet(const NetworkSpec& spec) : SegNetwork(spec) {
  const int64_t n = spec.base_filters;
  const Norm bn = Norm::kBatch;
  block_one = register_module("block_one", VNetConvBlock(1, spec.in_channels, n, bn));
  block_one_dw = register_module("block_one_dw", VNetResampleBlock(false, n, 2 * n, bn));
  block_two = register_module("block_two", VNetConvBlock(2, 2 * n, 2 * n, bn));
  block_two_dw = register_module("block_two_dw", VNetResampleBlock(false, 2 * n, 4 * n, bn));
  block_three = register_module("block_three", VNetConvBlock(3, 4 * n, 4 * n, bn));
  block_three_dw = register_module("block_three_dw", VNetResampleBlock(false, 4 * n, 8 * n, bn));
  block_four = register_module("block_four", VNetConvBlock(3, 8 * n, 8 * n, bn));
  block_four_dw = register_module("block_four_dw", VNetResampleBlock(false, 8 * n, 16 * n, bn));
  block_five = register_module("block_five", VNetConvBlock(3, 16 * n, 16 * n, bn));
  block_five_up = register_module("block_five_up", VNetResampleBlock(true, 16 * n, 8 * n, bn));
  block_six = register_module("block_six", VNetConvBlock(3, 8 * n, 8 * n, bn));
  block_six_up = register_module("block_six_up", VNetResampleBlock(true, 8 * n, 4 * n, bn));
  block_seven = register_module("block_seven", VNetConvBlock(3, 4 * n, 4 * n, bn));
  block_seven_up = register_module("block_seven_up", VNetResampleBlock(true, 4 * n, 2 * n, bn));
  block_eight = register_module("block_eight", VNetConvBlock(2, 2 * n, 2 * n, bn));
  block_eight_up = register_module("block_eight_up", VNetResampleBlock(true, 2 * n, n, bn));
  block_nine = register_module("block_nine", VNetConvBlock(1, n, n, bn));
  out_conv = register_module("out_conv", nn::Conv3d(nn::Conv3dOptions(n, spec.classes, 1)));
  dropout = register_module("dropout", nn::Dropout3d(spec.dropout ? 0.5 : 0.0));
}

torch::Tensor VNet::forward(const torch::Tensor& x) {
  auto x1 = block_one->forward(x);
  auto x2 = block_two->forward(block_one_dw->forward(x1));
  auto x3 = block_three->forward(block_two_dw->forward(x2));
  auto x4 = block_four->forward(block_three_dw->forward(x3));
  auto x5 = dropout->forward(block_five->forward(block_four_dw->forward(x4)));
  auto x6 = block_six->forward(block_five_up->forward(x5) + x4);
  auto x7 = block_seven->forward(block_six_up->forward(x6) + x3);
  auto x8 = block_eight->forward(block_seven_up->forward(x7) + x2);
  auto x9 = dropout->forward(block_nine->forward(block_eight_up->forward(x8) + x1));
  return out_conv->forward(x9);
}

}  // namespace labkit::nets3d
