// A whole SAM-Med3D model ("Sam3D"): image_encoder, prompt_encoder, mask_decoder, parameters named as in
// the upstream state_dict. The encoder runs once per crop; decode() runs per click on its embedding.
#pragma once

#include <torch/torch.h>

#include "labkit/sammed3d/config.h"
#include "labkit/sammed3d/image_encoder.h"
#include "labkit/sammed3d/mask_decoder.h"
#include "labkit/sammed3d/prompt_encoder.h"

namespace labkit::sammed3d {

struct Prediction {
  torch::Tensor low_res_logits;  // (B, M, L, L, L), L = 4 * grid (32 for vit_b_ori)
  torch::Tensor iou;             // (B, M)
};

struct Sam3DImpl : torch::nn::Module {
  explicit Sam3DImpl(const SamConfig& c);
  // (B, 1, S, S, S) normalised crop -> (B, out_chans, g, g, g)
  torch::Tensor encode(const torch::Tensor& image);
  // points (B, N, 3) voxel coordinates in crop tensor order, labels (B, N) 1/0; either may be undefined
  // (mask-only prompt). mask_prompt: previous low-res logits (B, 1, L, L, L), fed back raw; undefined
  // uses no_mask_embed. SAM-Med3D inference starts from a zero mask prompt, not an undefined one.
  Prediction decode(const torch::Tensor& embedding, const torch::Tensor& points, const torch::Tensor& labels,
                    const torch::Tensor& mask_prompt, bool multimask_output = false);
  // Low-res logits -> (B, M, S, S, S) by trilinear interpolation (align_corners false), as upstream.
  torch::Tensor upscale(const torch::Tensor& low_res_logits) const;

  SamConfig config;
  ImageEncoder image_encoder{nullptr};
  PromptEncoder prompt_encoder{nullptr};
  MaskDecoder mask_decoder{nullptr};
};
TORCH_MODULE(Sam3D);

// Parameters + buffers by upstream state_dict name.
std::map<std::string, torch::Tensor> state_dict(Sam3DImpl& model);
int64_t parameter_count(Sam3DImpl& model);

}  // namespace labkit::sammed3d
