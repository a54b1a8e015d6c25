// A 3D segmentation network chosen by name: the common interface of UNet3D and VNet, built from a
// NetworkSpec, with a parameter count and a deep copy (for teacher networks).
#pragma once

#include <torch/torch.h>

#include <memory>
#include <string>

namespace labkit::nets3d {

struct NetworkSpec {
  std::string arch;          // "unet_3D" | "vnet"
  int64_t in_channels = 1;
  int64_t classes = 2;
  int64_t base_filters = 16;  // width: unet_3D filters are base * [1, 2, 4, 8, 16]; V-Net n_filters
  bool dropout = true;        // unet_3D: Dropout 0.3 after the centre and up1; V-Net: Dropout3d 0.5 (has_dropout)
};

// (B, in_channels, D, H, W) -> (B, classes, D, H, W) logits; D, H, W divisible by 16.
class SegNetwork : public torch::nn::Module {
 public:
  virtual torch::Tensor forward(const torch::Tensor& x) = 0;
  const NetworkSpec& spec() const { return spec_; }

 protected:
  explicit SegNetwork(NetworkSpec spec) : spec_(std::move(spec)) {}
  NetworkSpec spec_;
};

// std::invalid_argument for an unknown arch or a non-positive size.
std::shared_ptr<SegNetwork> make_network(const NetworkSpec& spec);

// A new network of the same spec holding copies of `net`'s parameters and buffers.
std::shared_ptr<SegNetwork> clone_network(SegNetwork& net);

int64_t parameter_count(const torch::nn::Module& m);

}  // namespace labkit::nets3d
