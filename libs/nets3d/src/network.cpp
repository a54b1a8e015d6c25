#include "labkit/nets3d/network.h"

#include <stdexcept>

#include "labkit/nets3d/unet3d.h"
#include "labkit/nets3d/vnet.h"

namespace labkit::nets3d {

std::shared_ptr<SegNetwork> make_network(const NetworkSpec& spec) {
  if (spec.in_channels < 1 || spec.classes < 1 || spec.base_filters < 1)
    throw std::invalid_argument("nets3d: in_channels, classes and base_filters must be positive");
  if (spec.arch == "unet_3D") return std::make_shared<UNet3D>(spec);
  if (spec.arch == "vnet") return std::make_shared<VNet>(spec);
  throw std::invalid_argument("nets3d: unknown network \"" + spec.arch + "\" (unet_3D or vnet)");
}

std::shared_ptr<SegNetwork> clone_network(SegNetwork& net) {
  auto copy = make_network(net.spec());
  torch::NoGradGuard no_grad;
  auto src = net.named_parameters(), dst = copy->named_parameters();
  for (auto& p : src) dst[p.key()].copy_(p.value());
  auto sb = net.named_buffers(), db = copy->named_buffers();
  for (auto& b : sb) db[b.key()].copy_(b.value());
  copy->to(net.parameters().front().device());
  copy->train(net.is_training());
  return copy;
}

int64_t parameter_count(const torch::nn::Module& m) {
  int64_t n = 0;
  for (const auto& p : m.parameters()) n += p.numel();
  return n;
}

}  // namespace labkit::nets3d
