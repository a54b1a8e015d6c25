// Upstream's click samplers for prompting a generalist (SemiSAM+ utils/click_method.py), on one sample's
// (S, S, S) boolean maps: `target` the specialist's binarised foreground ("GT"), `pred` the generalist's
// current mask. FN = target & !pred, FP = !target & pred.
//  - RITM (get_next_click3D_torch_ritm): the distance transform (edt, black border) of FN and of FP; the
//    map with the larger maximum wins; a uniformly random voxel where its distance exceeds half that
//    maximum; positive if the voxel is FN.
//  - Error region (get_next_click3D_torch_2): a uniformly random voxel of FN | FP; positive if FN.
// Where there is no error left (upstream would fail on an empty argwhere): a random target voxel,
// positive, or with an empty target a random voxel, negative.
#pragma once

#include <torch/torch.h>

#include <array>
#include <random>

namespace labkit::semisam_train {

struct Click {
  std::array<int64_t, 3> voxel{};
  bool positive = false;
};

// wrong_voxel_label reproduces upstream quirk 7: the label is read at (0, d, h) instead of (d, h, w).
Click ritm_click(const torch::Tensor& pred, const torch::Tensor& target, std::mt19937_64& rng,
                 bool wrong_voxel_label = false);
Click error_region_click(const torch::Tensor& pred, const torch::Tensor& target, std::mt19937_64& rng);

}  // namespace labkit::semisam_train
