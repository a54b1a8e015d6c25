#include "extend.h"

#include <deque>
#include <limits>
#include <set>

#include "labkit/core/log.h"
#include "session.h"

namespace labkit::seganypet_infer {

using namespace labkit::petseg;  // crop helpers (in a .cpp only)

namespace {

std::array<double, 3> prompt_centre(const ModelSpace& m, const Target& t) {
  std::array<double, 3> lo{1e300, 1e300, 1e300}, hi{-1e300, -1e300, -1e300};
  for (const auto& c : t.clicks) {
    if (!c.positive) continue;
    auto p = original_to_model(m, c.ijk);
    for (int a = 0; a < 3; ++a) lo[a] = std::min(lo[a], p[a]), hi[a] = std::max(hi[a], p[a]);
  }
  return {0.5 * (lo[0] + hi[0]), 0.5 * (lo[1] + hi[1]), 0.5 * (lo[2] + hi[2])};
}

// Low-res logits of a crop, moved by `shift` low-res voxels along `axis` (dims 2..4), zeros where unknown.
torch::Tensor shift_logits(const torch::Tensor& x, int axis, int64_t shift) {
  using torch::indexing::Slice;
  auto out = torch::zeros_like(x);
  const int64_t L = x.size(axis + 2);
  std::vector<at::indexing::TensorIndex> dst(5, Slice()), src(5, Slice());
  if (shift > 0) dst[axis + 2] = Slice(shift, L), src[axis + 2] = Slice(0, L - shift);
  else dst[axis + 2] = Slice(0, L + shift), src[axis + 2] = Slice(-shift, L);
  out.index_put_(dst, x.index(src));
  return out;
}

struct Piece {
  Crop crop;
  torch::Tensor mask, logits;
};

}  // namespace

TargetResult segment_target(labkit::sammed3d::Sam3DImpl& model, const ModelSpace& m, const Target& t, int max_crops,
                            labkit::Timings& timings) {
  TargetResult r;
  r.mask = labkit::imageio::make_volume(m.original, 0.0f);
  const int64_t S = model.config.img_size, half = S / 2;
  const int64_t L = model.config.low_res_size();
  std::deque<std::pair<Crop, torch::Tensor>> todo;  // crop, initial mask prompt (undefined = zeros)
  todo.emplace_back(crop_around(m, prompt_centre(m, t), S), torch::Tensor());
  r.first_crop_start = todo.front().first.start;
  std::set<Index3> seen{r.first_crop_start};
  std::vector<Piece> done;
  while (!todo.empty() && static_cast<int>(done.size()) < max_crops) {
    auto [crop, prompt] = todo.front();
    todo.pop_front();
    CropSession session(model, m, crop, timings);
    if (prompt.defined()) session.set_mask_prompt(prompt);
    bool positive_inside = false;
    for (const auto& c : t.clicks) {
      std::array<int64_t, 3> v{};
      if (!to_crop_voxel(crop, original_to_model(m, c.ijk), v)) {
        if (done.empty())
          labkit::log::warn("target {}: click at voxel ({:.1f},{:.1f},{:.1f}) lies outside the {}^3 crop; skipped",
                            t.label, c.ijk[0], c.ijk[1], c.ijk[2], S);
        continue;
      }
      session.click(v, c.positive);
      positive_inside |= c.positive;
      if (done.empty()) ++r.clicks;
      ++r.decoder_calls;
    }
    if (!positive_inside && prompt.defined()) {
      // Carry the object in: the previous mask voxel (now in this crop) nearest the crop centre.
      auto up = model.upscale(prompt.to(torch::kFloat32))[0][0] > 0;
      auto idx = torch::nonzero(up);
      if (idx.size(0) == 0) continue;
      auto d = (idx - half).pow(2).sum(1);
      auto row = idx[d.argmin().item<int64_t>()];
      session.click({row[0].item<int64_t>(), row[1].item<int64_t>(), row[2].item<int64_t>()}, true);
      ++r.decoder_calls;
    }
    if (session.clicks() == 0) continue;
    Piece p{crop, session.mask(), session.logits()};
    auto back = crop_mask_to_original(m, crop, p.mask);
    for (size_t i = 0; i < back.voxels.size(); ++i)
      if (back.voxels[i] > 0.5f) r.mask.voxels[i] = 1.0f;
    // Faces the mask reaches, with image beyond them: queue the neighbour half a crop further.
    for (int a = 0; a < 3; ++a)
      for (int dir : {-1, 1}) {
        if (!p.mask.select(a, dir < 0 ? 0 : S - 1).any().item<bool>()) continue;
        Crop next = crop;
        next.start[a] += dir * half;
        const int64_t size_a = m.volume.geometry.size[a];
        if (dir < 0 ? crop.start[a] <= 0 : crop.start[a] + S >= size_a) continue;  // face is at/after the image edge
        if (!seen.insert(next.start).second) continue;
        next.geometry.origin = labkit::imageio::index_to_world(
            m.volume.geometry, {double(next.start[0]), double(next.start[1]), double(next.start[2])});
        todo.emplace_back(next, shift_logits(p.logits, a, -dir * (L / 2)));
      }
    done.push_back(std::move(p));
  }
  r.crops = static_cast<int>(done.size());
  return r;
}

}  // namespace labkit::seganypet_infer
