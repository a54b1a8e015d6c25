// Splits by molecule, never by conformer: a label per molecule, so no molecule key can be on two sides.
// Deterministic for a seed: molecules are put in key order, then shuffled with a Fisher-Yates pass
// driven by std::mt19937_64 (whose output the C++ standard fixes), then cut by the fractions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "labkit/molpack/layout.h"

namespace labkit::qo2mol_pack {

// The labels are part of the file layout (libs/molpack).
using molpack::SplitLabel;
using molpack::kTrain, molpack::kVal, molpack::kTest, molpack::kOod, molpack::kOodMedium, molpack::kOodLarge,
    molpack::kUnlabelled, molpack::kMixed;
using molpack::split_label_name, molpack::split_label_from_name;
// The split a QO2Mol v1.3 release file stands for (QO2Mol26_Train_chunkN / _Test / _OOD_medium /
// _OOD_large), kUnlabelled for any other file.
int upstream_split_of(const std::string& file_name);

struct SplitFractions {
  double train = 0.8, val = 0.1, test = 0.1;
};
// InputError unless each fraction is finite, >= 0 and they sum to 1 (merge checks before writing anything).
void check_fractions(const SplitFractions& f);

// Labels 0/1/2 for molecules [0, keys.size()); `eligible` (optional) restricts who is split, others keep
// their label in `labels` (used by the OOD split). Counts are round(f * n) for train and val.
std::vector<std::int8_t> random_split(const std::vector<std::string>& keys, const SplitFractions& f,
                                      std::uint64_t seed);
// Out of distribution by size, as QO2Mol's OOD_medium/large sets: molecules with at least `min_heavy`
// heavy atoms are "ood", the rest split at random as above.
std::vector<std::int8_t> ood_split(const std::vector<std::string>& keys, const std::vector<std::int32_t>& heavy,
                                   int min_heavy, const SplitFractions& f, std::uint64_t seed);
// The heavy-atom count at which the largest ~`ood_fraction` of molecules start (at least max+1 if that
// would leave nothing in distribution).
int ood_threshold(std::vector<std::int32_t> heavy, double ood_fraction);

}  // namespace labkit::qo2mol_pack
