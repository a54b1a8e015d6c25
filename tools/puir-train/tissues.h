// Tissue classes of the phantom and their 1.5 T parameters (T1 ms, T2 ms, PD). Brain tissues from
// BrainWeb (tissue_mr_parameters.txt); glioma compartments are indicative (reference puir.md section 2):
// edema T1 from MRF peritumoural white matter and T2 200 ms, our choice between Schad 1989's fast (104)
// and slow (677) components (with the fast one alone edema is no brighter than white matter on FLAIR,
// unlike clinical images); tumour T1 from MRF solid tumour, T2 from Schad's fast component; necrosis
// treated as fluid-like between edema and CSF (an unverified assumption: no measured value was found).
#pragma once

#include <cstdint>

#include "mr_signal.h"

namespace labkit::puir_train::tissues {

enum Label : uint8_t { kBackground, kCsfLabel, kGrey, kWhite, kFat, kSkin, kSkull, kEdema, kEnhancing, kNecrosis, kCount };

inline constexpr Tissue kCsf{2569, 329, 1.0};
inline constexpr Tissue kTable[kCount] = {
    {1, 1, 0},           // background: no signal (noise only)
    kCsf,                // CSF
    {833, 83, 0.86},     // grey matter
    {500, 70, 0.77},     // white matter
    {350, 70, 1.0},      // fat
    {900, 47, 1.0},      // skin / muscle
    {1, 1, 0},           // skull: no signal
    {1261, 200, 0.86},   // edema
    {1444, 97, 0.86},    // enhancing tumour (before contrast)
    {2000, 250, 0.95},   // necrosis (assumed)
};

// Gadobutrol r1 in human plasma at 1.5 T, 37 C (Szomolanyi 2019), L/mmol/s, and the concentration we
// give enhancing tumour (mmol/L): T1 1444 -> 607 ms, a pre - post difference near the 838 +- 210 ms
// measured in enhancing glioblastoma.
inline constexpr double kGadobutrolR1 = 4.78;
inline constexpr double kEnhancingConcentration = 0.2;

// BraTS 2023 segmentation labels.
inline constexpr uint8_t kBratsNecrosis = 1, kBratsEdema = 2, kBratsEnhancing = 3;

}  // namespace labkit::puir_train::tissues
