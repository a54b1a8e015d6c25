// Cross-prompting confident learning (CPCL, SegAnyPET) for low-quality labels. Upstream's train_cpcl.py
// does not run and its rectified label is always empty (an operator-precedence bug; see the reference
// note), so this is the method as the paper describes it, with the choices written down here:
//
// 1. Cross prompting (no gradients): two models A and B each run `passes` prompt -> predict rounds from
//    an empty mask, where model A's click in round k is drawn from the error region of model B's previous
//    prediction against the noisy label, and vice versa (round 1: a random label voxel). Together they
//    give 2 * passes probability maps (upsampled, sigmoid).
// 2. Ensemble p = mean of the maps, uncertainty u = their variance.
// 3. Confident learning (per sample, per class thresholds as Northcutt et al.): t1 = mean p over voxels
//    labelled 1, t0 = mean (1 - p) over voxels labelled 0. A voxel labelled 0 with p >= t1 and p > 0.5, or
//    labelled 1 with 1 - p >= t0 and p < 0.5, is flagged as a likely label error.
// 4. Uncertainty-guided self-rectification: over the object region (label or ensemble foreground) the
//    mean uncertainty splits flagged voxels: confident ones (u <= mean) are flipped to the ensemble's
//    answer in the rectified label; uncertain ones get weight 0 (ignored by the loss).
// 5. Competence gate: a sample is rectified only when the ensemble already agrees with its noisy label
//    (Dice of p > 0.5 against the label >= min_agreement); otherwise its label is used as it is. Without
//    it, models that still predict nothing flag every label voxel as noise and erase the labels.
// High-quality samples keep their label with weight 1.
#pragma once

#include <torch/torch.h>

#include <random>

#include "labkit/sammed3d/model.h"

namespace labkit::seganypet_train {

struct CpclTargets {
  torch::Tensor target;  // (B, 1, S, S, S) rectified label (== label for high-quality samples)
  torch::Tensor weight;  // (B, 1, S, S, S) 0 where a flagged voxel is too uncertain to correct
  // Diagnostics over the low-quality samples of the batch (voxel counts).
  double label_voxels = 0, flagged = 0, flipped = 0, ignored = 0;
  int64_t samples = 0, rectified_samples = 0;
  // With exact labels known (simulated noise): label voxels disagreeing with them before rectification,
  // and after it among the voxels still weighted (ignored voxels excluded).
  double errors_before = 0, errors_after = 0;
};

// Steps 2-4 for low-quality samples alone: probs (M, n, 1, S, S, S) are the M cross-prompted probability
// maps, y (n, 1, S, S, S) the noisy labels. Pure tensor code (tested on hand-made maps).
CpclTargets rectify_labels(const torch::Tensor& probs, const torch::Tensor& y, double min_agreement = 0.0);

// label: (B, 1, S, S, S) 0/1; low_quality: per item; clean: the exact labels or undefined (diagnostics only). Embeddings are the models' (detached) encodings.
CpclTargets cpcl_targets(labkit::sammed3d::Sam3DImpl& a, labkit::sammed3d::Sam3DImpl& b, const torch::Tensor& emb_a,
                         const torch::Tensor& emb_b, const torch::Tensor& label, const std::vector<bool>& low_quality,
                         int passes, double min_agreement, std::mt19937_64& rng,
                         const torch::Tensor& clean = torch::Tensor());

}  // namespace labkit::seganypet_train
