// Click prompts: points with a foreground/background label, in voxel indices of the input image or in
// world millimetres (LPS as ITK/DICOM, or RAS as nibabel/MONAI), grouped into targets that each get one label value.
#pragma once

#include <array>
#include <string>
#include <vector>

#include "labkit/imageio/geometry.h"

namespace labkit::seganypet_infer {

struct Click {
  std::array<double, 3> ijk;  // continuous voxel index in the input image
  bool positive = true;
};

struct Target {
  int label = 1;              // value painted into the output mask
  std::vector<Click> clicks;  // fed one by one: click k uses clicks 1..k and the previous logits
};

// How a point's three numbers are meant: a voxel index i,j,k of the image, world mm in LPS (ITK, DICOM:
// x grows to the patient's left, y to posterior), or world mm in RAS (nibabel, MONAI, 3D Slicer: x to
// the right, y to anterior; the same point as LPS (-x, -y, z)).
enum class Coords { kVoxel, kLps, kRas };

// "x,y,z" or "x,y,z,L" (L = 1 foreground, 0 background) in `coords`. Logs the click's voxel index.
// InputError naming the flag on syntax errors, non-finite numbers and points outside the image.
Click parse_point(const std::string& text, Coords coords, const labkit::imageio::Geometry& g, const std::string& flag);

// {"targets": [{"label": 2, "points": [{"voxel": [i,j,k]} | {"mm": [x,y,z]} | {"ras": [x,y,z]},
//   "positive": true}]}]} ("mm" is LPS)
// "positive" defaults to true; "label" defaults to the target's position + 1. InputError "<path>: ..."
// for unreadable JSON, no targets, a target without points, duplicate labels, labels outside 1..255,
// and points outside the image.
std::vector<Target> read_targets(const std::string& path, const labkit::imageio::Geometry& g);

// InputError when a continuous index lies outside the image (beyond half a voxel).
void check_inside(const std::array<double, 3>& ijk, const labkit::imageio::Geometry& g, const std::string& what);

}  // namespace labkit::seganypet_infer
