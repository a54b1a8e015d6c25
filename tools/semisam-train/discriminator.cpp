#include "discriminator.h"

namespace labkit::semisam_train {

namespace {
torch::nn::Conv3d down(int64_t in, int64_t out) {
  return torch::nn::Conv3d(torch::nn::Conv3dOptions(in, out, 4).stride(2).padding(1));
}
}  // namespace

DiscriminatorImpl::DiscriminatorImpl(int64_t classes, int64_t filters, int64_t image_channels) {
  conv0 = register_module("conv0", down(classes, filters));
  conv1 = register_module("conv1", down(image_channels, filters));
  conv2 = register_module("conv2", down(filters, filters * 2));
  conv3 = register_module("conv3", down(filters * 2, filters * 4));
  conv4 = register_module("conv4", down(filters * 4, filters * 8));
  classifier = register_module("classifier", torch::nn::Linear(filters * 8, 2));
}

torch::Tensor DiscriminatorImpl::forward(const torch::Tensor& probs, const torch::Tensor& image) {
  namespace F = torch::nn::functional;
  const auto act = F::LeakyReLUFuncOptions().negative_slope(0.2);
  const auto drop = F::Dropout3dFuncOptions().p(0.5).training(is_training());
  auto x = F::dropout3d(F::leaky_relu(conv0(probs) + conv1(image), act), drop);
  x = F::dropout3d(F::leaky_relu(conv2(x), act), drop);
  x = F::dropout3d(F::leaky_relu(conv3(x), act), drop);
  x = F::leaky_relu(conv4(x), act);
  return classifier(x.mean({2, 3, 4}));
}

}  // namespace labkit::semisam_train
