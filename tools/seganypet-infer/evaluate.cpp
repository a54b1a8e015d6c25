#include "evaluate.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

#include "session.h"
#include "surface_dice.h"

namespace labkit::seganypet_infer {

using namespace labkit::petseg;  // crop helpers (in a .cpp only)

namespace img = labkit::imageio;

double dice(const img::Volume& pred, const img::Volume& gt, int label) {
  int64_t a = 0, b = 0, both = 0;
  for (size_t i = 0; i < gt.voxels.size(); ++i) {
    const bool p = pred.voxels[i] > 0.5f, g = std::lround(gt.voxels[i]) == label;
    a += p;
    b += g;
    both += p && g;
  }
  if (a + b == 0) return std::numeric_limits<double>::quiet_NaN();
  return 2.0 * double(both) / double(a + b);
}

std::vector<int> labels_of(const img::Volume& gt) {
  std::set<int> s;
  for (float v : gt.voxels) {
    const int l = static_cast<int>(std::lround(v));
    if (l != 0) s.insert(l);
  }
  return {s.begin(), s.end()};
}

namespace {

// A uniform random true voxel of a bool (S, S, S) tensor.
std::array<int64_t, 3> pick(const torch::Tensor& where, std::mt19937_64& rng) {
  auto idx = torch::nonzero(where);  // (n, 3)
  std::uniform_int_distribution<int64_t> u(0, idx.size(0) - 1);
  auto row = idx[u(rng)];
  return {row[0].item<int64_t>(), row[1].item<int64_t>(), row[2].item<int64_t>()};
}

}  // namespace

TargetEval evaluate_target(labkit::sammed3d::Sam3DImpl& model, const ModelSpace& image, const ModelSpace& gt_model,
                           const img::Volume& gt, int label, const std::vector<int>& click_counts,
                           double nsd_tolerance_mm, std::mt19937_64& rng, labkit::Timings& timings) {
  TargetEval r;
  r.label = label;
  // Bounding-box centre of the label in the original grid, mapped to model space (upstream: GT places the ROI).
  std::array<int64_t, 3> lo{INT64_MAX, INT64_MAX, INT64_MAX}, hi{INT64_MIN, INT64_MIN, INT64_MIN};
  const auto& s = gt.geometry.size;
  for (int64_t k = 0; k < s[2]; ++k)
    for (int64_t j = 0; j < s[1]; ++j)
      for (int64_t i = 0; i < s[0]; ++i)
        if (std::lround(gt.at(i, j, k)) == label) {
          ++r.gt_voxels;
          const int64_t ijk[3] = {i, j, k};
          for (int a = 0; a < 3; ++a) lo[a] = std::min(lo[a], ijk[a]), hi[a] = std::max(hi[a], ijk[a]);
        }
  std::array<double, 3> centre{};
  for (int a = 0; a < 3; ++a) centre[a] = 0.5 * double(lo[a] + hi[a]);
  const int64_t S = model.config.img_size;
  const Crop crop = crop_around(image, original_to_model(image, centre), S);
  auto gt_crop = (extract(gt_model, crop).round() == label);
  CropSession session(model, image, crop, timings);
  const int max_clicks = click_counts.empty() ? 0 : *std::max_element(click_counts.begin(), click_counts.end());
  for (int k = 1; k <= max_clicks; ++k) {
    if (gt_crop.any().item<bool>()) {
      auto err = gt_crop ^ session.mask();
      const bool any_error = err.any().item<bool>();
      auto p = pick(any_error ? err : gt_crop, rng);
      session.click(p, gt_crop[p[0]][p[1]][p[2]].item<bool>());
    }
    if (std::find(click_counts.begin(), click_counts.end(), k) != click_counts.end() || k == max_clicks) {
      r.final_mask = crop_mask_to_original(image, crop, session.mask());
      if (std::find(click_counts.begin(), click_counts.end(), k) != click_counts.end()) {
        r.dice[k] = dice(r.final_mask, gt, label);
        r.nsd[k] = surface_dice(r.final_mask, gt, label, nsd_tolerance_mm);
      }
    }
  }
  return r;
}

}  // namespace labkit::seganypet_infer
