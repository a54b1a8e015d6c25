#include "augment.h"

#include <stdexcept>

namespace labkit::semisam_train {

using torch::indexing::Slice;

Sample random_rot_flip(const Sample& s, std::mt19937_64& rng) {
  const int k = std::uniform_int_distribution<int>(0, 3)(rng);
  const int64_t axis = 1 + std::uniform_int_distribution<int>(0, 1)(rng);
  auto apply = [&](const torch::Tensor& t) {
    return t.defined() ? torch::rot90(t, k, {1, 2}).flip({axis}).contiguous() : t;
  };
  return {apply(s.image), apply(s.label)};
}

std::array<int64_t, 3> crop_padding(const std::array<int64_t, 3>& size, const std::array<int64_t, 3>& patch) {
  std::array<int64_t, 3> pad{0, 0, 0};
  bool any = false;
  for (int a = 0; a < 3; ++a) any = any || size[a] <= patch[a];
  if (!any) return pad;
  for (int a = 0; a < 3; ++a) {
    // Python's floor division: (patch - size) // 2 rounds towards -inf.
    const int64_t diff = patch[a] - size[a];
    const int64_t half = diff >= 0 ? diff / 2 : -((-diff + 1) / 2);
    pad[a] = std::max<int64_t>(half + 3, 0);
  }
  return pad;
}

Sample random_crop(const Sample& s, const std::array<int64_t, 3>& patch, std::mt19937_64& rng) {
  const std::array<int64_t, 3> size{s.image.size(0), s.image.size(1), s.image.size(2)};
  const auto pad = crop_padding(size, patch);
  const std::vector<int64_t> p{pad[2], pad[2], pad[1], pad[1], pad[0], pad[0]};
  auto image = torch::constant_pad_nd(s.image, p, 0.0);
  auto label = s.label.defined() ? torch::constant_pad_nd(s.label, p, 0) : s.label;
  std::array<int64_t, 3> start{};
  for (int a = 0; a < 3; ++a) {
    const int64_t room = image.size(a) - patch[a];  // numpy randint(0, room): [0, room)
    if (room < 1) throw std::logic_error("random_crop: the padded volume is not larger than the patch");
    start[a] = std::uniform_int_distribution<int64_t>(0, room - 1)(rng);
  }
  auto cut = [&](const torch::Tensor& t) {
    return t.defined() ? t.index({Slice(start[0], start[0] + patch[0]), Slice(start[1], start[1] + patch[1]),
                                  Slice(start[2], start[2] + patch[2])})
                             .contiguous()
                       : t;
  };
  return {cut(image), cut(label)};
}

}  // namespace labkit::semisam_train
