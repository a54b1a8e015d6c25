// Multi-modal brain phantoms: one anatomy per patient (tissue classes with per-patient shape, size and
// relaxation-time variation, and a glioma-like lesion: edema, enhancing rim, necrotic core) rendered per
// modality through the MR signal equations, multiplied by a smooth bias field and corrupted by Rician
// magnitude noise. No torch.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "labkit/imageio/image.h"
#include "settings.h"
#include "tissues.h"

namespace labkit::puir_train {

struct Patient {
  imageio::Geometry geometry;
  std::vector<uint8_t> labels;              // tissues::Label per voxel, x fastest
  Tissue table[tissues::kCount];            // this patient's relaxation times (jittered around the table)
  bool lesion = false;
};

// The anatomy of one patient, fully determined by `rng`.
Patient make_patient(const PhantomSettings& s, std::mt19937_64& rng);

// The noise-free, bias-free signal of a modality (t1n, t1c, t2w, t2f) per voxel.
std::vector<float> render_signal(const Patient& p, const std::string& modality);

// exp(sum_{i+j+k<=3} c_ijk x^i y^j z^k) over coordinates scaled to [-1, 1], c ~ U(-b, b) (TorchIO
// RandomBiasField's form).
std::vector<float> bias_field(const imageio::Geometry& g, double strength, std::mt19937_64& rng);

// What the scanner records: signal * bias, then Rician noise of sigma = noise_percent % of the reference
// tissue's noise-free signal (white matter for T1w/FLAIR, CSF for T2w, as BrainWeb), scaled to ~1000.
imageio::Volume acquire(const Patient& p, const std::string& modality, const PhantomSettings& s, std::mt19937_64& rng);

// BraTS 2023 labels (1 necrosis, 2 edema, 3 enhancing) of the anatomy.
imageio::Volume segmentation(const Patient& p);

}  // namespace labkit::puir_train
