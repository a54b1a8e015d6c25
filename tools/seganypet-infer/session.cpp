#include "session.h"

#include <cmath>

namespace labkit::seganypet_infer {

using namespace labkit::petseg;  // crop helpers (in a .cpp only)

CropSession::CropSession(labkit::sammed3d::Sam3DImpl& model, const ModelSpace& m, const Crop& crop,
                         labkit::Timings& timings)
    : model_(model), crop_(crop), timings_(timings) {
  torch::NoGradGuard ng;
  const auto dtype = model_.image_encoder->pos_embed.scalar_type();
  const auto device = model_.image_encoder->pos_embed.device();
  auto input = z_normalise(extract(m, crop)).view({1, 1, crop.size, crop.size, crop.size}).to(device, dtype);
  labkit::ScopedTimer t(timings_, "encode");
  embedding_ = model_.encode(input);
  const int64_t L = model_.config.low_res_size();
  logits_ = torch::zeros({1, 1, L, L, L}, input.options());
}

torch::Tensor CropSession::click(const std::array<int64_t, 3>& p, bool positive) {
  torch::NoGradGuard ng;
  labkit::ScopedTimer t(timings_, "decode");
  for (auto v : p) points_.push_back(static_cast<float>(v));
  labels_.push_back(positive ? 1 : 0);
  const int64_t n = static_cast<int64_t>(labels_.size());
  auto pts = torch::from_blob(points_.data(), {1, n, 3}, torch::kFloat32).clone().to(embedding_.device());
  auto lab = torch::from_blob(labels_.data(), {1, n}, torch::kLong).clone().to(embedding_.device());
  logits_ = model_.decode(embedding_, pts, lab, logits_).low_res_logits;
  return logits_;
}

torch::Tensor CropSession::mask() const {
  torch::NoGradGuard ng;
  if (labels_.empty()) return torch::zeros({crop_.size, crop_.size, crop_.size}, torch::kBool);
  return (model_.upscale(logits_)[0][0] > 0).to(torch::kCPU);  // sigmoid(x) > 0.5  <=>  x > 0
}

bool to_crop_voxel(const Crop& c, const std::array<double, 3>& model_ijk, std::array<int64_t, 3>& out) {
  for (int a = 0; a < 3; ++a) {
    out[a] = std::llround(model_ijk[a]) - c.start[a];
    if (out[a] < 0 || out[a] >= c.size) return false;
  }
  return true;
}

}  // namespace labkit::seganypet_infer
