#include "batch_sampler.h"

#include <algorithm>
#include <random>

namespace labkit::semisam_train {

TwoStreamBatchSampler::TwoStreamBatchSampler(std::vector<int64_t> labeled, std::vector<int64_t> unlabeled,
                                             int batch_size, int labeled_bs, uint64_t seed)
    : labeled_(std::move(labeled)), unlabeled_(std::move(unlabeled)), batch_size_(batch_size),
      labeled_bs_(labeled_bs), seed_(seed) {}

std::vector<int64_t> TwoStreamBatchSampler::batch(int64_t iteration) const {
  const int64_t per_epoch = batches_per_epoch(), epoch = iteration / per_epoch, pos = iteration % per_epoch;
  std::mt19937_64 rng(mix_seed(seed_, static_cast<uint64_t>(epoch)));
  auto primary = labeled_;
  std::shuffle(primary.begin(), primary.end(), rng);
  std::vector<int64_t> out(primary.begin() + pos * labeled_bs_, primary.begin() + (pos + 1) * labeled_bs_);
  const int64_t secondary = batch_size_ - labeled_bs_;
  if (secondary == 0 || unlabeled_.empty()) return out;
  // The unlabeled stream of this epoch: permutation after permutation; take items [pos*sec, (pos+1)*sec).
  const int64_t n = static_cast<int64_t>(unlabeled_.size()), first = pos * secondary, last = first + secondary;
  std::vector<int64_t> perm;
  for (int64_t block = 0; block * n < last; ++block) {
    perm = unlabeled_;
    std::shuffle(perm.begin(), perm.end(), rng);
    for (int64_t i = std::max(first, block * n); i < std::min(last, (block + 1) * n); ++i) out.push_back(perm[i - block * n]);
  }
  return out;
}

}  // namespace labkit::semisam_train
