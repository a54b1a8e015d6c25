// semisam-train's data: volumes with optional labels, from a manifest of images (NIfTI, NRRD, MetaImage,
// DICOM folders; read through labkit::imageio, geometry kept) or from upstream's HDF5 layout (datasets
// `image` float32 already z-scored and `label` uint8, listed in ROOT/train.txt, val.txt, test.txt).
//
// Manifest (data-manifests/ form): {"cases": [{"name": "c0", "image": "c0.nii.gz", "label": "c0_label.nii.gz",
//   "split": "train" | "val" | "test"}]}; paths relative to the manifest; a label is optional for train
// cases (used only for the first labeled_num of them). Images are z-scored over the whole volume (as the
// LA preprocessing); label > 0 is foreground.
#pragma once

#include <torch/torch.h>

#include <array>
#include <string>
#include <vector>

#include "labkit/imageio/image.h"

namespace labkit::semisam_train {

struct Case {
  std::string name;
  std::string image_path, label_path;  // for messages and outputs
  torch::Tensor image;                 // (D, H, W) float32, z-scored; tensor order = image axes reversed (z, y, x)
  torch::Tensor label;                 // (D, H, W) uint8 0/1, undefined without a label
  imageio::Geometry geometry;          // of the image file (identity for HDF5)
  std::array<double, 3> spacing{1, 1, 1};  // tensor order, mm (1 for HDF5)
};

struct Dataset {
  std::vector<Case> train, val, test;
};

// InputError naming the file: missing file, image/label geometry mismatch, label without foreground,
// non-finite voxels, a val/test case without a label, an empty training list.
Dataset read_manifest_dataset(const std::string& path);
Dataset read_h5_dataset(const std::string& root);

// A single image as a case (predict): z-scored, no label.
Case read_image_case(const std::string& path);

// imageio volume (x fastest) <-> (z, y, x) tensor.
torch::Tensor volume_to_tensor(const imageio::Volume& v);

// Checks that every training case up to labeled_num has a label and that the list is long enough:
// InputError naming `source`.
void check_labeled(const Dataset& d, int labeled_num, const std::string& source);

}  // namespace labkit::semisam_train
