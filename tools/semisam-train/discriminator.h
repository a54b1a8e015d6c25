// DAN's discriminator (Zhang et al., MICCAI 2017, as SSL4MIS's FC3DDiscriminator that SemiSAM+'s DAN script
// uses): it sees a segmentation map (softmax, `classes` channels) together with its image and says whether
// the map came from a labeled (class 1) or an unlabeled (class 0) sample.
//   map -> conv0, image -> conv1 (both Conv3d k4 s2 p1 to `filters`), summed, LeakyReLU 0.2, Dropout3d 0.5;
//   conv2 (2f), conv3 (4f) each + LeakyReLU + Dropout3d; conv4 (8f) + LeakyReLU; average pool; Linear(8f, 2).
// Upstream pools with a fixed AvgPool3d(6), which is the global average only for 96^3 patches (at 128^3 it
// averages the first 6^3 of 8^3 cells, at smaller patches it fails); this one takes the global average.
#pragma once

#include <torch/torch.h>

namespace labkit::semisam_train {

class DiscriminatorImpl : public torch::nn::Module {
 public:
  DiscriminatorImpl(int64_t classes, int64_t filters, int64_t image_channels = 1);
  // probs (B, classes, D, H, W), image (B, image_channels, D, H, W) -> (B, 2) logits; D, H, W >= 16.
  torch::Tensor forward(const torch::Tensor& probs, const torch::Tensor& image);

  torch::nn::Conv3d conv0{nullptr}, conv1{nullptr}, conv2{nullptr}, conv3{nullptr}, conv4{nullptr};
  torch::nn::Linear classifier{nullptr};
};
TORCH_MODULE(Discriminator);

}  // namespace labkit::semisam_train
