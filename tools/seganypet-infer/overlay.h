// A quick-look picture of a segmentation: axial, coronal and sagittal slices of the image through one
// voxel (the first click), side by side, with the mask's labels blended in colour and the voxel marked.
#pragma once

#include <array>
#include <cstdint>

#include "labkit/imageio/image.h"
#include "labkit/imageio/png.h"

namespace labkit::seganypet_infer {

// Layout (so that tests and users can find things):
// - The volumes are shown in LPS voxel order, radiological view: axial (patient's right on the left,
//   anterior up), coronal (right on the left, superior up), sagittal (anterior on the left, superior up).
// - One pixel is the smallest voxel spacing: a panel is round(voxels * spacing / min spacing) pixels along
//   each axis (nearest-neighbour), so anisotropic voxels keep their physical proportions.
// - Panels are top-aligned, left to right axial | coronal | sagittal, kOverlayGap black pixels apart.
// - Grey: the image from its minimum (black) to its 99.5th percentile (white). A voxel with label L > 0 is
//   the mean of its grey and label_colour(L). The voxel is marked by a yellow cross with a hollow centre.
constexpr int64_t kOverlayGap = 4;

std::array<std::uint8_t, 3> label_colour(int label);

// `labels` is on `image`'s grid (as written masks are); `ijk` a voxel index of `image` (clamped to it).
labkit::imageio::RgbImage render_overlay(const labkit::imageio::Volume& image, const labkit::imageio::Volume& labels,
                                         std::array<int64_t, 3> ijk);

// Where render_overlay draws: the panel origins (x) and sizes (w, h) in pixels, for tests and the README.
struct OverlayPanel {
  int64_t x, w, h;
};
std::array<OverlayPanel, 3> overlay_panels(const labkit::imageio::Geometry& lps);

}  // namespace labkit::seganypet_infer
