#include "labkit/nets3d/sliding_window.h"

#include <cmath>

namespace labkit::nets3d {

using torch::indexing::Slice;

std::vector<int64_t> window_starts(int64_t n, int64_t patch, int64_t stride) {
  const int64_t count = (n - patch + stride - 1) / stride + 1;  // ceil((n - patch) / stride) + 1
  std::vector<int64_t> s;
  for (int64_t i = 0; i < count; ++i) s.push_back(std::min(stride * i, n - patch));
  return s;
}

torch::Tensor window_weights(const std::array<int64_t, 3>& patch, bool gaussian) {
  if (!gaussian) return torch::ones({patch[0], patch[1], patch[2]});
  std::vector<torch::Tensor> axes;
  for (int a = 0; a < 3; ++a) {
    const double sigma = patch[a] / 8.0, centre = (patch[a] - 1) / 2.0;
    auto x = torch::arange(patch[a], torch::kFloat64) - centre;
    axes.push_back(torch::exp(-x * x / (2 * sigma * sigma)));
  }
  auto w = axes[0].view({-1, 1, 1}) * axes[1].view({1, -1, 1}) * axes[2].view({1, 1, -1});
  w = w / w.max();
  const auto min_positive = w.masked_select(w > 0).min();
  return torch::where(w > 0, w, min_positive).to(torch::kFloat32);
}

torch::Tensor sliding_window(const torch::Tensor& input, const PatchPredictor& predict, const SlidingWindowSettings& s) {
  torch::NoGradGuard no_grad;
  const auto channels = input.dim() == 3 ? input.unsqueeze(0) : input;  // (C_in, D, H, W)
  const auto image = channels[0];                                        // the spatial shape and device
  std::array<int64_t, 3> lo{}, size{};
  std::vector<int64_t> pad;  // F.pad order: last axis first
  for (int a = 2; a >= 0; --a) {
    const int64_t missing = std::max<int64_t>(0, s.patch[a] - image.size(a));
    lo[a] = missing / 2;
    pad.push_back(lo[a]);
    pad.push_back(missing - lo[a]);
  }
  auto padded = torch::constant_pad_nd(channels, pad, 0.0);
  for (int a = 0; a < 3; ++a) size[a] = padded.size(a + 1);
  const auto weights = window_weights(s.patch, s.gaussian).to(image.device());
  torch::Tensor score, count = torch::zeros({size[0], size[1], size[2]}, weights.options());
  for (int64_t x : window_starts(size[0], s.patch[0], s.stride[0]))
    for (int64_t y : window_starts(size[1], s.patch[1], s.stride[1]))
      for (int64_t z : window_starts(size[2], s.patch[2], s.stride[2])) {
        const auto win = std::vector<torch::indexing::TensorIndex>{
            Slice(x, x + s.patch[0]), Slice(y, y + s.patch[1]), Slice(z, z + s.patch[2])};
        std::vector<torch::indexing::TensorIndex> all_channels{Slice()};
        all_channels.insert(all_channels.end(), win.begin(), win.end());
        auto patch = padded.index(all_channels).unsqueeze(0);
        auto prob = predict(patch)[0].to(torch::kFloat32);
        if (!score.defined()) score = torch::zeros({prob.size(0), size[0], size[1], size[2]}, weights.options());
        score.index(all_channels).add_(prob * weights);
        count.index(win).add_(weights);
      }
  score = score / count.unsqueeze(0);
  return score.index({Slice(), Slice(lo[0], lo[0] + image.size(0)), Slice(lo[1], lo[1] + image.size(1)),
                      Slice(lo[2], lo[2] + image.size(2))});
}

}  // namespace labkit::nets3d
