// Training data: a manifest of PET volumes with lesion/organ label maps, each label marked high- or
// low-quality, turned into model-space training targets. As upstream, every nonzero label value of a
// label map is one binary target, cropped (model size, e.g. 128^3) around the target's bounding box
// after reorienting to RAS and resampling to the model spacing; the image crop is z-normalised over
// voxels > 0. Targets with too few voxels are skipped (upstream redraws samples under 500 voxels).
//
// Manifest (data-manifests/ form): {"cases": [{"name": "c1", "image": "c1_pet.nii.gz",
//   "label": "c1_label.nii.gz", "quality": "hq" | "lq", "split": "train" | "val",
//   "clean_label": "c1_label_exact.nii.gz" (optional: the exact label of a simulated low-quality one)}]}
// Paths are relative to the manifest file.
#pragma once

#include <torch/torch.h>

#include <string>
#include <vector>

namespace labkit::seganypet_train {

struct CaseEntry {
  std::string name, image, label, clean_label;
  bool high_quality = true;
  std::string split = "train";
};

std::vector<CaseEntry> read_manifest(const std::string& path);

struct Sample {
  std::string case_name;
  int label_value = 0;
  bool high_quality = true;
  bool exact_known = false;  // the manifest gave a clean_label (simulated noise)
  torch::Tensor image;  // (1, S, S, S) float, z-normalised
  torch::Tensor label;  // (1, S, S, S) float 0/1: the training label (noisy for low-quality cases)
  torch::Tensor clean;  // (1, S, S, S) the exact label when the manifest has one, else == label
};

// Part of TrainSettings (settings.h, from the config); zeros are only initialised memory.
struct DataSettings {
  int64_t crop_size = 0;            // the model's input size
  double spacing_mm = 0;
  int64_t min_target_voxels = 0;    // at model spacing, inside the crop
};

// Loads every case of `split` ("train" or "val"). InputError for a missing file, an image/label grid
// mismatch, a label map without any nonzero voxel, or no usable target at all.
std::vector<Sample> load_samples(const std::vector<CaseEntry>& cases, const std::string& split,
                                 const DataSettings& settings);

}  // namespace labkit::seganypet_train
