#include "labkit/sammed3d/model.h"

namespace labkit::sammed3d {

Sam3DImpl::Sam3DImpl(const SamConfig& c) : config(c) {
  c.validate();
  image_encoder = register_module("image_encoder", ImageEncoder(c));
  prompt_encoder = register_module("prompt_encoder", PromptEncoder(c));
  mask_decoder = register_module("mask_decoder", MaskDecoder(c));
}

torch::Tensor Sam3DImpl::encode(const torch::Tensor& image) { return image_encoder(image); }

Prediction Sam3DImpl::decode(const torch::Tensor& embedding, const torch::Tensor& points, const torch::Tensor& labels,
                             const torch::Tensor& mask_prompt, bool multimask_output) {
  auto [sparse, dense] = prompt_encoder(points, labels, mask_prompt, embedding.size(0));
  auto [masks, iou] = mask_decoder(embedding, prompt_encoder->dense_pe(), sparse, dense, multimask_output);
  return {masks, iou};
}

torch::Tensor Sam3DImpl::upscale(const torch::Tensor& low_res_logits) const {
  namespace F = torch::nn::functional;
  const int64_t s = config.img_size;
  return F::interpolate(low_res_logits, F::InterpolateFuncOptions()
                                            .size(std::vector<int64_t>{s, s, s})
                                            .mode(torch::kTrilinear)
                                            .align_corners(false));
}

std::map<std::string, torch::Tensor> state_dict(Sam3DImpl& model) {
  std::map<std::string, torch::Tensor> out;
  for (const auto& p : model.named_parameters(true)) out[p.key()] = p.value();
  for (const auto& b : model.named_buffers(true)) out[b.key()] = b.value();
  return out;
}

int64_t parameter_count(Sam3DImpl& model) {
  int64_t n = 0;
  for (const auto& p : model.parameters(true)) n += p.numel();
  return n;
}

}  // namespace labkit::sammed3d
