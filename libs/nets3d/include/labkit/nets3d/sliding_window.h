// Whole-volume prediction from patches (semisam-train, puir-train), as SSL4MIS's test_single_case and
// MONAI's sliding_window_inference place windows: a volume smaller than the patch
// is zero-padded symmetrically (cropped back afterwards); windows start at min(stride * i, size - patch)
// for i < ceil((size - patch) / stride) + 1 per axis; the per-patch outputs are averaged where windows
// overlap (upstream), or weighted by a Gaussian (sigma = patch / 8, centred, as nnU-Net) when chosen.
#pragma once

#include <torch/torch.h>

#include <array>
#include <functional>

namespace labkit::nets3d {

struct SlidingWindowSettings {
  std::array<int64_t, 3> patch{0, 0, 0};
  std::array<int64_t, 3> stride{0, 0, 0};
  bool gaussian = false;
};

// (B, C_in, p0, p1, p2) -> (B, C, p0, p1, p2): the network's output (class probabilities, images) for a
// batch of patches.
using PatchPredictor = std::function<torch::Tensor(const torch::Tensor&)>;

// image (D, H, W) (one input channel) or (C_in, D, H, W) float -> (C, D, H, W) blended outputs (float32,
// on the image's device).
torch::Tensor sliding_window(const torch::Tensor& image, const PatchPredictor& predict, const SlidingWindowSettings& s);

// The window start positions along one axis of (padded) length n, as upstream.
std::vector<int64_t> window_starts(int64_t n, int64_t patch, int64_t stride);

// The blending weights of one patch: ones, or the Gaussian (max 1, no zeros).
torch::Tensor window_weights(const std::array<int64_t, 3>& patch, bool gaussian);

}  // namespace labkit::nets3d
