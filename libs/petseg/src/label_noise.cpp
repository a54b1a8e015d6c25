#include "labkit/petseg/label_noise.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <random>

#include "labkit/core/error.h"
#include "labkit/petseg/phantom.h"

namespace labkit::petseg {

namespace img = labkit::imageio;

namespace {

// A binary mask on a box of the label map (the lesion's bounding box plus a margin).
struct Box {
  std::array<int64_t, 3> lo{}, n{};
  std::vector<uint8_t> m;
  size_t at(int64_t i, int64_t j, int64_t k) const { return static_cast<size_t>(i + n[0] * (j + n[1] * k)); }
};

// One 6-neighbourhood dilation (grow) or erosion (shrink) step; the box border counts as outside.
std::vector<uint8_t> step(const Box& b, const std::vector<uint8_t>& m, bool grow) {
  std::vector<uint8_t> out(m);
  for (int64_t k = 0; k < b.n[2]; ++k)
    for (int64_t j = 0; j < b.n[1]; ++j)
      for (int64_t i = 0; i < b.n[0]; ++i) {
        const size_t c = b.at(i, j, k);
        if (grow == bool(m[c])) continue;
        const int64_t nb[6][3] = {{i - 1, j, k}, {i + 1, j, k}, {i, j - 1, k}, {i, j + 1, k}, {i, j, k - 1}, {i, j, k + 1}};
        for (const auto& q : nb) {
          const bool in = q[0] >= 0 && q[1] >= 0 && q[2] >= 0 && q[0] < b.n[0] && q[1] < b.n[1] && q[2] < b.n[2];
          const bool v = in && m[b.at(q[0], q[1], q[2])];
          if (grow && v) { out[c] = 1; break; }
          if (!grow && !v) { out[c] = 0; break; }
        }
      }
  return out;
}

std::vector<uint8_t> repeat(const Box& b, std::vector<uint8_t> m, bool grow, int times) {
  for (int t = 0; t < times; ++t) m = step(b, m, grow);
  return m;
}

int64_t count(const std::vector<uint8_t>& m) { return std::count(m.begin(), m.end(), uint8_t(1)); }

using BoundingBoxes = std::map<int, std::pair<std::array<int64_t, 3>, std::array<int64_t, 3>>>;

// Per nonzero label, the lowest and highest voxel index on each axis.
BoundingBoxes label_bounding_boxes(const img::Volume& exact) {
  const auto& g = exact.geometry;
  BoundingBoxes boxes;
  for (int64_t k = 0; k < g.size[2]; ++k)
    for (int64_t j = 0; j < g.size[1]; ++j)
      for (int64_t i = 0; i < g.size[0]; ++i) {
        const int l = static_cast<int>(std::lround(exact.at(i, j, k)));
        if (l == 0) continue;
        auto [it, fresh] = boxes.try_emplace(l, std::array<int64_t, 3>{i, j, k}, std::array<int64_t, 3>{i, j, k});
        const int64_t p[3] = {i, j, k};
        for (int a = 0; a < 3; ++a)
          it->second.first[a] = std::min(it->second.first[a], p[a]), it->second.second[a] = std::max(it->second.second[a], p[a]);
      }
  return boxes;
}

// The "boundary" corruption of the lesion mask b.m. A smooth random field (white noise blurred over a
// few voxels, scaled to unit spread) decides which voxels of the band around the boundary flip: coherent
// bumps and dents, not salt and pepper. A lesion is never flipped away entirely.
std::vector<uint8_t> boundary_noise(const Box& b, const img::Geometry& g, int band_voxels, std::mt19937_64& rng) {
  std::vector<uint8_t> m = b.m;
  img::Volume field;
  field.geometry = g;
  field.geometry.size = b.n;
  field.voxels.resize(b.m.size());
  std::normal_distribution<double> nd(0.0, 1.0);
  for (float& x : field.voxels) x = static_cast<float>(nd(rng));
  const double mean_spacing = (g.spacing[0] + g.spacing[1] + g.spacing[2]) / 3.0;
  gaussian_blur(field, 3.0 * mean_spacing);
  double ss = 0;
  for (float x : field.voxels) ss += double(x) * x;
  const double sd = std::sqrt(ss / field.voxels.size()) + 1e-12;
  const auto outer = repeat(b, b.m, true, band_voxels);
  const auto inner = repeat(b, b.m, false, band_voxels);
  for (size_t v = 0; v < m.size(); ++v) {
    const double f = field.voxels[v] / sd;
    if (outer[v] && !b.m[v] && f > 0.5) m[v] = 1;
    if (b.m[v] && !inner[v] && f < -0.5) m[v] = 0;
  }
  if (count(m) == 0) m = b.m;
  return m;
}

}  // namespace

img::Volume simulate_low_quality_labels(const img::Volume& exact, const LabelNoiseSpec& spec, uint64_t seed,
                                        std::vector<LesionCorruption>* log) {
  const auto& g = exact.geometry;
  const auto boxes = label_bounding_boxes(exact);
  img::Volume out = exact;
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  const int margin = std::max(spec.max_shift_voxels, spec.boundary_band_voxels) + 2;
  for (const auto& [label, bb] : boxes) {
    Box b;
    for (int a = 0; a < 3; ++a) {
      b.lo[a] = std::max<int64_t>(0, bb.first[a] - margin);
      b.n[a] = std::min<int64_t>(g.size[a] - 1, bb.second[a] + margin) - b.lo[a] + 1;
    }
    b.m.assign(static_cast<size_t>(b.n[0] * b.n[1] * b.n[2]), 0);
    for (int64_t k = 0; k < b.n[2]; ++k)
      for (int64_t j = 0; j < b.n[1]; ++j)
        for (int64_t i = 0; i < b.n[0]; ++i)
          b.m[b.at(i, j, k)] = std::lround(exact.at(b.lo[0] + i, b.lo[1] + j, b.lo[2] + k)) == label;
    LesionCorruption c;
    c.label = label;
    c.voxels_before = count(b.m);
    const double r = u(rng);
    const int shift = 1 + static_cast<int>(u(rng) * spec.max_shift_voxels * 0.999999);
    std::vector<uint8_t> m = b.m;
    if (r < spec.p_over) {
      c.kind = "over";
      m = repeat(b, b.m, true, shift);
    } else if (r < spec.p_over + spec.p_under) {
      c.kind = "under";
      for (int s = shift; s >= 1; --s) {  // never erode a lesion to nothing
        auto e = repeat(b, b.m, false, s);
        if (count(e) > 0) { m = e; break; }
      }
    } else if (r < spec.p_over + spec.p_under + spec.p_boundary) {
      c.kind = "boundary";
      m = boundary_noise(b, g, spec.boundary_band_voxels, rng);
    } else if (r < spec.p_over + spec.p_under + spec.p_boundary + spec.p_missed) {
      c.kind = "missed";
      std::fill(m.begin(), m.end(), 0);
    } else {
      c.kind = "none";
    }
    // Write back: this lesion's voxels are replaced; growth never takes another lesion's voxels.
    for (int64_t k = 0; k < b.n[2]; ++k)
      for (int64_t j = 0; j < b.n[1]; ++j)
        for (int64_t i = 0; i < b.n[0]; ++i) {
          float& o = out.at(b.lo[0] + i, b.lo[1] + j, b.lo[2] + k);
          const int cur = static_cast<int>(std::lround(o));
          const size_t v = b.at(i, j, k);
          if (cur == label && !m[v]) o = 0.0f;
          else if (m[v] && cur == 0 && std::lround(exact.at(b.lo[0] + i, b.lo[1] + j, b.lo[2] + k)) == 0) o = float(label);
        }
    c.voxels_after = count(m);
    if (log) log->push_back(c);
  }
  return out;
}

LabelNoiseSpec LabelNoiseSpec::from_json(const nlohmann::json& j, const std::string& what) {
  if (!j.is_object()) throw labkit::input_error(what, "expected a JSON object");
  LabelNoiseSpec s;
  try {
    for (auto it = j.begin(); it != j.end(); ++it) {
      const auto& k = it.key();
      const auto& v = it.value();
      if (k == "p_over") s.p_over = v.get<double>();
      else if (k == "p_under") s.p_under = v.get<double>();
      else if (k == "p_boundary") s.p_boundary = v.get<double>();
      else if (k == "p_missed") s.p_missed = v.get<double>();
      else if (k == "max_shift_voxels") s.max_shift_voxels = v.get<int>();
      else if (k == "boundary_band_voxels") s.boundary_band_voxels = v.get<int>();
      else throw labkit::input_error(what, "unknown key '" + k + "'");
    }
  } catch (const nlohmann::json::exception& e) {
    throw labkit::input_error(what, std::string("bad value: ") + e.what());
  }
  for (double p : {s.p_over, s.p_under, s.p_boundary, s.p_missed})
    if (!(p >= 0 && p <= 1)) throw labkit::input_error(what, "probabilities must be in [0, 1]");
  if (s.p_over + s.p_under + s.p_boundary + s.p_missed > 1 + 1e-9)
    throw labkit::input_error(what, "p_over + p_under + p_boundary + p_missed must not exceed 1");
  if (s.max_shift_voxels < 1 || s.max_shift_voxels > 10 || s.boundary_band_voxels < 1 || s.boundary_band_voxels > 10)
    throw labkit::input_error(what, "max_shift_voxels and boundary_band_voxels must be in 1..10");
  return s;
}

nlohmann::json LabelNoiseSpec::to_json() const {
  return {{"p_over", p_over},     {"p_under", p_under},
          {"p_boundary", p_boundary}, {"p_missed", p_missed},
          {"max_shift_voxels", max_shift_voxels}, {"boundary_band_voxels", boundary_band_voxels}};
}

}  // namespace labkit::petseg
