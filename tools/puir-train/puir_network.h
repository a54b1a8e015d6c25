// PUIR's network (reference puir.md section 2, models/ssl_head_for_task.py): the Swin encoder, the
// biological-prior block that turns the bottleneck into X_h, the Swin UNETR decoder that reconstructs
// every modality from X_h, and MONAI SSLHead's rotation and contrastive heads. The baseline
// (trainer_bg_swin.py) is the same network without the prior block: X_h is then the bottleneck itself.
#pragma once

#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include "labkit/nets3d/unetr_blocks.h"
#include "swin3d.h"

namespace labkit::puir_train {

struct NetworkSpec {
  int64_t modalities = 0;    // input channels (the source repeated) and reconstructed channels
  int64_t feature_size = 0;  // Swin embed dim (upstream 48); a multiple of 12
  int64_t roi = 0;           // training crop edge (32..256); the prior is shaped for it: (1, 16*fs, roi/32, .., ..)
  int64_t prior_heads = 0;   // attention heads over the prior (upstream 3); must divide (roi/32)^3
  bool prior = false;        // false: the baseline without the prior block

  int64_t bottleneck_channels() const { return 16 * feature_size; }
  int64_t bottleneck_edge() const { return roi / 32; }
  nlohmann::json to_json() const;
  static NetworkSpec from_json(const nlohmann::json& j);  // std::invalid_argument on bad values
  void check() const;                                     // std::invalid_argument naming the problem
};

constexpr int64_t kContrastiveDim = 512;  // the contrastive head's output size, as upstream

struct Outputs {
  torch::Tensor rotation;        // (B, 4) logits of the rotation class k (k * 90 degrees)
  torch::Tensor contrastive;     // (B, kContrastiveDim)
  torch::Tensor x_h;             // (B, 16 fs, r, r, r): X_h (the bottleneck for the baseline)
  torch::Tensor reconstruction;  // (B, modalities, D, H, W)
  std::vector<torch::Tensor> encoder_stages;  // the Swin encoder's five outputs (kept for shape traces)
};

// refine_semantic: channels as tokens (sequence 16 fs, embedding r^3) attending over the prior's channels,
// two 3^3 convs (tansfer_for_mod, no activation), then fuse_to_X over cat[x, attended, x] (3 * 16 fs).
struct PriorBlockImpl : torch::nn::Module {
  PriorBlockImpl(int64_t channels, int64_t edge, int64_t heads);
  torch::Tensor forward(const torch::Tensor& bottleneck);
  torch::Tensor static_prior;
  torch::nn::MultiheadAttention attention{nullptr};
  torch::nn::Sequential tansfer_for_mod{nullptr};
  torch::nn::Conv3d fuse_to_X{nullptr};
};
TORCH_MODULE(PriorBlock);

struct PuirNetworkImpl : torch::nn::Module {
  explicit PuirNetworkImpl(const NetworkSpec& spec);
  Outputs forward(const torch::Tensor& x);   // x: (B, modalities, roi, roi, roi)
  torch::Tensor x_h(const torch::Tensor& x);  // X_h alone (no decoder)
  torch::Tensor contrastive(const torch::Tensor& x);  // the contrastive head alone (encoder only)
  const NetworkSpec& spec() const { return spec_; }

  SwinEncoder swinViT{nullptr};
  PriorBlock prior{nullptr};
  nets3d::UnetrBasicBlock encoder1{nullptr}, encoder2{nullptr}, encoder3{nullptr}, encoder4{nullptr},
      encoder10{nullptr};
  nets3d::UnetrUpBlock decoder5{nullptr}, decoder4{nullptr}, decoder3{nullptr}, decoder2{nullptr}, decoder1{nullptr};
  nets3d::UnetOutBlock out{nullptr};
  torch::nn::Linear rotation_head{nullptr}, contrastive_head{nullptr};

 private:
  NetworkSpec spec_;
};
TORCH_MODULE(PuirNetwork);

int64_t parameter_count(torch::nn::Module& m);

}  // namespace labkit::puir_train
