// Simulated low-quality annotations: what a hurried or semi-automatic annotator produces from an exact
// lesion label map. Each lesion independently gets one corruption, drawn with the configured
// probabilities: over-segmentation (dilated by 1..max voxels), under-segmentation (eroded, never to
// nothing), an irregular boundary (voxels within a band around the boundary flipped where a smooth
// random field is high), or a missed lesion (removed); with the remaining probability it is kept exact.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "labkit/imageio/image.h"

namespace labkit::petseg {

struct LabelNoiseSpec {
  double p_over = 0.3, p_under = 0.3, p_boundary = 0.25, p_missed = 0.1;  // rest: unchanged
  int max_shift_voxels = 2;   // dilation/erosion depth, uniform in 1..max
  int boundary_band_voxels = 2;

  static LabelNoiseSpec from_json(const nlohmann::json& j, const std::string& what = "label noise spec");
  nlohmann::json to_json() const;
};

struct LesionCorruption {
  int label = 0;
  std::string kind;  // "over", "under", "boundary", "missed", "none"
  int64_t voxels_before = 0, voxels_after = 0;
};

// Returns the corrupted label map (same geometry); `log` receives one entry per lesion.
labkit::imageio::Volume simulate_low_quality_labels(const labkit::imageio::Volume& exact, const LabelNoiseSpec& spec,
                                                  uint64_t seed, std::vector<LesionCorruption>* log = nullptr);

}  // namespace labkit::petseg
