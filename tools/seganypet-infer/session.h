// One crop of one image with a SAM-Med3D model: the encoder runs once when the session opens, then
// each click runs the prompt encoder + decoder with all clicks so far and the previous low-res logits
// as the mask prompt (fed back raw; the first mask prompt is zeros), as upstream's click loop.
#pragma once

#include <torch/torch.h>

#include <vector>

#include "labkit/core/timer.h"
#include "labkit/sammed3d/model.h"
#include "labkit/petseg/volume_space.h"

namespace labkit::seganypet_infer {

// The model's view of an image (libs/petseg).
using labkit::petseg::Crop;
using labkit::petseg::Index3;
using labkit::petseg::ModelSpace;

class CropSession {
 public:
  CropSession(labkit::sammed3d::Sam3DImpl& model, const ModelSpace& m, const Crop& crop, labkit::Timings& timings);

  // A click at a crop voxel (i, j, k) (rounded; must lie inside the crop). Returns the new low-res logits.
  torch::Tensor click(const std::array<int64_t, 3>& crop_ijk, bool positive);
  // sigmoid(trilinear(logits -> S^3)) > 0.5 as a (S, S, S) bool tensor; all false before any click.
  torch::Tensor mask() const;
  int clicks() const { return static_cast<int>(labels_.size()); }
  // Replaces the mask prompt for the next click (low-res logits, (1, 1, L, L, L)); used to carry an
  // object from a neighbouring crop into this one.
  void set_mask_prompt(const torch::Tensor& logits) { logits_ = logits.to(logits_.options()); }
  const torch::Tensor& logits() const { return logits_; }
  const Crop& crop() const { return crop_; }

 private:
  labkit::sammed3d::Sam3DImpl& model_;
  Crop crop_;
  labkit::Timings& timings_;
  torch::Tensor embedding_, logits_;
  std::vector<float> points_;
  std::vector<int64_t> labels_;
};

// Model-space index -> crop voxel, or false when it falls outside the crop.
bool to_crop_voxel(const Crop& c, const std::array<double, 3>& model_ijk, std::array<int64_t, 3>& out);

}  // namespace labkit::seganypet_infer
