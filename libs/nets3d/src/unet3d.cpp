#include "labkit/nets3d/unet3d.h"

namespace labkit::nets3d {

namespace nn = torch::nn;

UNet3D::UNet3D(const NetworkSpec& spec) : SegNetwork(spec) {
  const int64_t b = spec.base_filters;
  const int64_t f[5] = {b, 2 * b, 4 * b, 8 * b, 16 * b};
  conv1 = register_module("conv1", UnetConv3(spec.in_channels, f[0]));
  conv2 = register_module("conv2", UnetConv3(f[0], f[1]));
  conv3 = register_module("conv3", UnetConv3(f[1], f[2]));
  conv4 = register_module("conv4", UnetConv3(f[2], f[3]));
  center = register_module("center", UnetConv3(f[3], f[4]));
  up_concat4 = register_module("up_concat4", UnetUp3CT(f[4], f[3]));
  up_concat3 = register_module("up_concat3", UnetUp3CT(f[3], f[2]));
  up_concat2 = register_module("up_concat2", UnetUp3CT(f[2], f[1]));
  up_concat1 = register_module("up_concat1", UnetUp3CT(f[1], f[0]));
  final = register_module("final", nn::Conv3d(nn::Conv3dOptions(f[0], spec.classes, 1)));
  const double p = spec.dropout ? 0.3 : 0.0;
  dropout1 = register_module("dropout1", nn::Dropout(p));
  dropout2 = register_module("dropout2", nn::Dropout(p));
  kaiming_init_convs(*this);
}

torch::Tensor UNet3D::forward(const torch::Tensor& x) {
  auto c1 = conv1->forward(x);
  auto c2 = conv2->forward(torch::max_pool3d(c1, 2));
  auto c3 = conv3->forward(torch::max_pool3d(c2, 2));
  auto c4 = conv4->forward(torch::max_pool3d(c3, 2));
  auto mid = dropout1->forward(center->forward(torch::max_pool3d(c4, 2)));
  auto u4 = up_concat4->forward(c4, mid);
  auto u3 = up_concat3->forward(c3, u4);
  auto u2 = up_concat2->forward(c2, u3);
  auto u1 = dropout2->forward(up_concat1->forward(c1, u2));
  return final->forward(u1);
}

}  // namespace labkit::nets3d
