// Evaluation as upstream's test_test.py intends it (reference puir.md section 2, "Evaluation"): every
// modality in turn is the source, repeated to every input channel; sliding-window inference over the
// foreground-cropped case (roi windows, overlap, Gaussian blending); each output channel z-scored; voxels
// whose ground truth is background (< threshold) replaced by the ground truth; then MSE, PSNR and SSIM per
// target with data_range = max of the two ranges. And X_h retrieval: does a patient's X_h from one
// modality find the same patient's X_h from another among all patients?
#pragma once

#include <torch/torch.h>

#include <nlohmann/json.hpp>
#include <vector>

#include "case_volume.h"
#include "puir_network.h"
#include "settings.h"

namespace labkit::puir_train {

// (C, D, H, W) synthesis of every modality from modality `source` of the case (before normalisation).
torch::Tensor synthesize(PuirNetwork& net, const CaseVolume& c, int64_t source, const Settings& s, torch::Device device);

// The case's ground truth as (C, D, H, W).
torch::Tensor case_tensor(const CaseVolume& c, int64_t modalities);

struct PairScores {
  double mse = 0, psnr = 0, ssim = 0;
};
// Channel-wise z-score of the prediction, background from the ground truth, then the three metrics.
PairScores score_pair(const torch::Tensor& prediction, const torch::Tensor& truth, double threshold);

// X_h of the centred roi crop of the case, from modality `source` (flattened, on the CPU).
torch::Tensor case_x_h(PuirNetwork& net, const CaseVolume& c, int64_t source, int64_t roi, torch::Device device);

// Top-1 retrieval accuracy over ordered modality pairs (a != b): embeddings[p][m] of patient p and
// modality m; the query (p, a) is right when the most cosine-similar (q, b) has q == p.
double retrieval_top1(const std::vector<std::vector<torch::Tensor>>& embeddings);

// The whole evaluation: {"pairs": {"mse"|"psnr"|"ssim": {"mean": CxC, "std": CxC}}, "off_diagonal": {...},
// "retrieval": {"top1", "chance", "patients"}, "cases"}.
nlohmann::json evaluate(PuirNetwork& net, const std::vector<CaseVolume>& cases, const Settings& s, torch::Device device);

}  // namespace labkit::puir_train
