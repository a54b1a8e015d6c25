// Upstream's TwoStreamBatchSampler: an epoch walks once through a fresh permutation of the labeled
// indices in groups of labeled_bs (an incomplete group is dropped), each group paired with the next
// batch_size - labeled_bs indices of an endless stream of fresh permutations of the unlabeled indices
// (restarted every epoch). Here every epoch's order comes from (seed, epoch) alone, so batch t is known
// without replaying earlier ones (exact --resume).
#pragma once

#include <cstdint>
#include <vector>

#include "labkit/core/seeds.h"

namespace labkit::semisam_train {

class TwoStreamBatchSampler {
 public:
  // InputError-free: the caller checks labeled.size() >= labeled_bs (settings/dataset checks).
  TwoStreamBatchSampler(std::vector<int64_t> labeled, std::vector<int64_t> unlabeled, int batch_size, int labeled_bs,
                        uint64_t seed);
  int64_t batches_per_epoch() const { return static_cast<int64_t>(labeled_.size()) / labeled_bs_; }
  // The indices of the iteration-th batch (0-based, over epochs): labeled first, then unlabeled.
  std::vector<int64_t> batch(int64_t iteration) const;

 private:
  std::vector<int64_t> labeled_, unlabeled_;
  int batch_size_, labeled_bs_;
  uint64_t seed_;
};

// Per-(seed, step, slot) streams: labkit/core/seeds.h.
using labkit::mix_seed;

}  // namespace labkit::semisam_train
