#include "openings.h"

#include <algorithm>

#include "labkit/core/error.h"

namespace labkit::aneumo_build {

std::string Opening::name() const { return std::string(1, "xyz"[axis]) + (side < 0 ? "-" : "+"); }

namespace {

// Connected (4-neighbour) lumen patches on one face.
std::vector<Opening> face_patches(const Domain& d, int axis, int side, int64_t min_voxels) {
  const Grid& g = d.grid;
  const int a1 = (axis + 1) % 3, a2 = (axis + 2) % 3;
  const int64_t n1 = g.size[a1], n2 = g.size[a2], fixed = side < 0 ? 0 : g.size[axis] - 1;
  auto linear = [&](int64_t u, int64_t v) {
    std::array<int64_t, 3> ijk{};
    ijk[axis] = fixed;
    ijk[a1] = u;
    ijk[a2] = v;
    return g.index(ijk[0], ijk[1], ijk[2]);
  };
  std::vector<int> label(n1 * n2, -1);
  std::vector<Opening> out;
  for (int64_t s = 0; s < n1 * n2; ++s) {
    if (label[s] >= 0 || !d.mask[linear(s % n1, s / n1)]) continue;
    Opening o;
    o.axis = axis;
    o.side = side;
    std::vector<int64_t> stack{s};
    label[s] = static_cast<int>(out.size());
    while (!stack.empty()) {
      const int64_t c = stack.back();
      stack.pop_back();
      const int64_t u = c % n1, v = c / n1;
      o.voxels.push_back(linear(u, v));
      const int64_t nb[4][2] = {{u - 1, v}, {u + 1, v}, {u, v - 1}, {u, v + 1}};
      for (const auto& q : nb) {
        if (q[0] < 0 || q[1] < 0 || q[0] >= n1 || q[1] >= n2) continue;
        const int64_t t = q[0] + n1 * q[1];
        if (label[t] < 0 && d.mask[linear(q[0], q[1])]) {
          label[t] = label[s];
          stack.push_back(t);
        }
      }
    }
    if (static_cast<int64_t>(o.voxels.size()) < min_voxels) continue;
    o.area_mm2 = o.voxels.size() * g.spacing_mm * g.spacing_mm;
    for (int64_t idx : o.voxels) {
      const int64_t i = idx % g.size[0], j = (idx / g.size[0]) % g.size[1], k = idx / (g.size[0] * g.size[1]);
      const auto c = g.centre_mm(i, j, k);
      for (int x = 0; x < 3; ++x) o.centroid_mm[x] += c[x] / o.voxels.size();
    }
    o.inward[axis] = -side;
    out.push_back(std::move(o));
  }
  return out;
}

}  // namespace

Openings find_openings(const Domain& d, const std::string& source, int64_t min_voxels) {
  if (d.fluid_count() == 0) throw input_error(source, "the mask is empty (no lumen voxel)");
  std::vector<Opening> all;
  for (int axis = 0; axis < 3; ++axis)
    for (int side : {-1, 1})
      for (auto& o : face_patches(d, axis, side, min_voxels)) all.push_back(std::move(o));
  if (all.empty()) throw input_error(source, "no inlet found: the lumen does not reach any face of the grid");
  if (all.size() < 2)
    throw input_error(source, "only one opening (" + all[0].name() + "): a flow domain needs an inlet and an outlet");
  std::stable_sort(all.begin(), all.end(), [](const Opening& a, const Opening& b) { return a.area_mm2 > b.area_mm2; });
  Openings out;
  out.inlet = std::move(all[0]);
  out.outlets.assign(std::make_move_iterator(all.begin() + 1), std::make_move_iterator(all.end()));
  return out;
}

}  // namespace labkit::aneumo_build
