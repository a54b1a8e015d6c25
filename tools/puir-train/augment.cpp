#include "augment.h"

namespace labkit::puir_train {

using torch::indexing::Slice;

namespace {

int64_t randint(std::mt19937_64& rng, int64_t lo, int64_t hi) {  // numpy randint: [lo, hi), lo when empty
  if (hi <= lo) return lo;
  return std::uniform_int_distribution<int64_t>(lo, hi - 1)(rng);
}

// patch_rand_drop on one (C, D, H, W) sample, in place; blocks from `source` when it is defined.
void drop_into(torch::Tensor x, const torch::Tensor& source, const AugmentSettings& a, std::mt19937_64& rng) {
  const int64_t c = x.size(0), h = x.size(1), w = x.size(2), z = x.size(3);
  const double goal = std::uniform_real_distribution<double>(0, a.drop_fraction)(rng) * static_cast<double>(h * w * z);
  const int64_t mh = static_cast<int64_t>(h * a.drop_block), mw = static_cast<int64_t>(w * a.drop_block),
                mz = static_cast<int64_t>(z * a.drop_block);
  const int64_t th = static_cast<int64_t>(0.05 * h), tw = static_cast<int64_t>(0.05 * w),
                tz = static_cast<int64_t>(0.05 * z);
  double covered = 0;
  for (int guard = 0; covered < goal && guard < 10000; ++guard) {
    const int64_t r0 = randint(rng, 0, h - th), c0 = randint(rng, 0, w - tw), s0 = randint(rng, 0, z - tz);
    const int64_t r1 = std::min(randint(rng, th, mh) + r0, h), c1 = std::min(randint(rng, tw, mw) + c0, w),
                  s1 = std::min(randint(rng, tz, mz) + s0, z);
    const auto block = std::vector<torch::indexing::TensorIndex>{Slice(), Slice(r0, r1), Slice(c0, c1), Slice(s0, s1)};
    if (source.defined()) {
      x.index_put_(block, source.index(block));
    } else {
      auto noise = torch::randn({c, r1 - r0, c1 - c0, s1 - s0}, x.options());
      if (noise.numel() > 0) {
        // Rescaled to [0, 1] as upstream; a block of one value (one voxel) becomes 0 instead of 0/0 = NaN.
        const auto lo = noise.min(), span = noise.max() - lo;
        noise = span.item<float>() > 0 ? (noise - lo) / span : torch::zeros_like(noise);
      }
      x.index_put_(block, noise);
    }
    covered += static_cast<double>((r1 - r0) * (c1 - c0) * (s1 - s0));
  }
}

}  // namespace

torch::Tensor random_sample(const CaseVolume& cv, int64_t modalities, int64_t roi, const AugmentSettings& a,
                            std::mt19937_64& rng) {
  const auto full = torch::from_blob(const_cast<float*>(cv.data.data()), {modalities, cv.dims[0], cv.dims[1], cv.dims[2]},
                                     torch::kFloat32);
  std::vector<torch::indexing::TensorIndex> crop{Slice()};
  for (int ax = 0; ax < 3; ++ax) {
    const int64_t start = randint(rng, 0, cv.dims[ax] - roi + 1);
    crop.push_back(Slice(start, start + roi));
  }
  auto x = full.index(crop).clone();
  std::uniform_real_distribution<double> u(0, 1);
  for (int64_t ax = 1; ax <= 3; ++ax)
    if (u(rng) < a.flip_p) x = x.flip({ax});
  if (u(rng) < a.rot90_p) x = torch::rot90(x, randint(rng, 1, 4), {2, 3});
  return x.contiguous();
}

torch::Tensor rotate_batch(const torch::Tensor& x, const std::vector<int64_t>& k) {
  std::vector<torch::Tensor> out;
  for (int64_t i = 0; i < x.size(0); ++i) out.push_back(torch::rot90(x[i], k[i], {1, 2}));
  return torch::stack(out);
}

torch::Tensor drop_blocks(const torch::Tensor& input, const AugmentSettings& a, std::mt19937_64& rng) {
  torch::NoGradGuard no_grad;
  auto x = input.clone();
  const int64_t n = x.size(0);
  for (int64_t i = 0; i < n; ++i) {
    drop_into(x[i], torch::Tensor(), a, rng);
    const int64_t other = randint(rng, 0, n);
    if (other != i) drop_into(x[i], x[other], a, rng);
  }
  return x;
}

}  // namespace labkit::puir_train
