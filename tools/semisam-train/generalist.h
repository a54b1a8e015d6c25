// The SemiSAM+ branch: frozen SAM-Med3D-family generalists (labkit::sammed3d checkpoints: the
// seganypet-train default model, converted SAM-Med3D / -turbo / SegAnyPET weights) prompted from the
// specialist's foreground probability on each unlabeled patch; their output is a pseudo-label the
// specialist's softmax is pulled towards.
//
// Intended behaviour (default):
//  - the generalist sees the patch in its own axis order: labkit::sammed3d models (like torchio and
//    upstream's HDF5 arrays) index (x, y, z), this tool's tensors (z, y, x); the patch is permuted on the
//    way in and every map on the way out (the trained default generalist, configs/seganypet-train/
//    semisam-generalist.json, learned that order; fed (z, y, x) it saw every organ transposed);
//  - every generalist is loaded once, frozen, run without gradients; its image encoder runs once per patch;
//  - the patch and the specialist's foreground probability are resampled (trilinear) to the generalist's
//    input size, and its output back to the patch;
//  - prompts come from the foreground channel binarised at `threshold`; each sample starts from a zero
//    mask prompt;
//  - point: `clicks` clicks, the first `ritm_clicks` from the RITM sampler then error-region clicks, one
//    click per decoder pass with the previous low-res logits as mask prompt; the last pass is the output;
//  - mask: the specialist map (nearest, at the low-res size) as the mask prompt, one pass;
//  - unc: the point loop; the K = clicks + 1 maps (specialist + each pass) give a per-voxel variance u;
//    the loss weights each voxel by 1 - 4u (variance of values in [0, 1] is at most 1/4), so confident
//    voxels count fully and maximally uncertain ones not at all;
//  - several generalists: the mean of their output probabilities is the pseudo-label's probability (and
//    in unc mode all their maps enter the variance);
//  - consistency = (weighted) mean over voxels and both classes of (softmax(student) - [1-m, m])^2 with
//    m = (probability > 0.5): its gradient reaches the specialist.
// upstream_quirks reproduces the release (reference semisam.md section 7, quirks 1-7): background channel
// as prompt source with "GT" = prob > 0, scalar variance in unc mode, logits (not sigmoid) > 0.5, the
// loss normalised by x / (x + 1e-16) (no gradient), checkpoints re-read every call, the previous
// sample's final mask as the next sample's initial mask prompt, RITM click labels read at (0, d, h), and
// upstream's unc loss mean(d u) / (mean(u) + 1e-8) + mean(u).
#pragma once

#include <torch/torch.h>

#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "labkit/sammed3d/model.h"
#include "settings.h"

namespace labkit::semisam_train {

// The release's behaviours one by one (README "Upstream quirks"); all(true) is --upstream-quirks.
struct UpstreamQuirks {
  bool background_channel = false;  // 1: prompts from channel 0, "GT" = prob > 0
  bool scalar_variance = false;     // 2
  bool logit_threshold = false;     // 3: raw logits > 0.5 as the mask
  bool normalised_loss = false;     // 4: x / (x + 1e-16), and upstream's unc loss
  bool reload_every_call = false;   // 5
  bool mask_leak = false;           // 6: the previous sample's final mask as the initial mask prompt
  bool ritm_wrong_voxel = false;    // 7
  static UpstreamQuirks all(bool on) { return {on, on, on, on, on, on, on}; }
  bool any() const {
    return background_channel || scalar_variance || logit_threshold || normalised_loss || reload_every_call ||
           mask_leak || ritm_wrong_voxel;
  }
};

// (B, C, D, H, W) in this tool's (z, y, x) order <-> the generalists' (x, y, z) order (a view).
torch::Tensor to_generalist_axes(const torch::Tensor& zyx);
torch::Tensor from_generalist_axes(const torch::Tensor& xyz);

class SamBranch {
 public:
  // Loads every checkpoint (InputError naming the file for a wrong architecture, missing or extra
  // tensors, NaN weights).
  SamBranch(const SemisamSettings& s, UpstreamQuirks quirks, torch::Device device);

  // images (B, 1, D, H, W), student_logits (B, 2, D, H, W) with grad -> the scalar consistency term.
  torch::Tensor consistency(const torch::Tensor& images, const torch::Tensor& student_logits, std::mt19937_64& rng);

  struct PseudoLabel {
    torch::Tensor probability;  // (B, 1, D, H, W) combined generalist foreground probability
    torch::Tensor uncertainty;  // (B, 1, D, H, W) per-voxel variance (unc mode), else undefined
    // point/unc: the mask prompt each sample's first decoder pass saw, (G, B, 1, L, L, L) at the generalists'
    // low-res size (zeros unless quirk 6 carries the previous sample's last logits); else undefined.
    torch::Tensor initial_masks;
  };
  // The generalists' answer to prompts from `foreground` (B, 1, D, H, W) in [0, 1]; no grad.
  PseudoLabel pseudo_label(const torch::Tensor& images, const torch::Tensor& foreground, std::mt19937_64& rng);

  nlohmann::json describe();  // paths, sizes, load seconds, calls
  // The combined generalist probability of the last consistency() call, (B, 1, D, H, W) (diagnostics).
  const torch::Tensor& last_pseudo_label() const { return last_probability_; }

 private:
  struct Generalist {
    std::string path;
    sammed3d::Sam3D model{nullptr};
  };
  void load(Generalist& g);
  // One generalist on one sample at its own size: final probability (S^3) and the stack of maps.
  std::vector<torch::Tensor> prompt_one(Generalist& g, const torch::Tensor& image, const torch::Tensor& foreground,
                                        std::mt19937_64& rng, torch::Tensor& carried_mask,
                                        torch::Tensor& initial_mask);

  SemisamSettings s_;
  UpstreamQuirks q_;
  torch::Device device_;
  std::vector<Generalist> generalists_;
  double load_seconds_ = 0;
  int64_t loads_ = 0, calls_ = 0;
  torch::Tensor last_probability_;
};

}  // namespace labkit::semisam_train
