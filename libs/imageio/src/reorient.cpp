// Reorientation as an exact axis permutation/flip: voxel values move, world positions do not.
#include <cctype>
#include <stdexcept>

#include "labkit/core/error.h"
#include "labkit/imageio/image.h"

namespace labkit::imageio {
namespace {

// Letter -> (world axis, sign) in LPS: L/R -> x, P/A -> y, S/I -> z.
bool parse_letter(char ch, int* axis, int* sign) {
  switch (std::toupper(static_cast<unsigned char>(ch))) {
    case 'L': *axis = 0, *sign = 1; return true;
    case 'R': *axis = 0, *sign = -1; return true;
    case 'P': *axis = 1, *sign = 1; return true;
    case 'A': *axis = 1, *sign = -1; return true;
    case 'S': *axis = 2, *sign = 1; return true;
    case 'I': *axis = 2, *sign = -1; return true;
    default: return false;
  }
}

}  // namespace

Volume reorient(const Volume& v, const std::string& code) {
  int want_axis[3], want_sign[3];
  bool used[3] = {false, false, false};
  bool ok = code.size() == 3;
  for (int a = 0; ok && a < 3; ++a) {
    ok = parse_letter(code[a], &want_axis[a], &want_sign[a]) && !used[want_axis[a]];
    if (ok) used[want_axis[a]] = true;
  }
  if (!ok) throw InputError("orientation code '" + code + "': expected one of L/R, P/A, S/I each, e.g. RAS");

  const std::string have = orientation_code(v.geometry);
  int have_axis[3], have_sign[3];
  for (int a = 0; a < 3; ++a) parse_letter(have[a], &have_axis[a], &have_sign[a]);

  // For each new axis: which old axis it is, and whether it runs backwards.
  int src[3];
  bool flip[3];
  for (int a = 0; a < 3; ++a)
    for (int b = 0; b < 3; ++b)
      if (have_axis[b] == want_axis[a]) src[a] = b, flip[a] = have_sign[b] != want_sign[a];

  const Geometry& g = v.geometry;
  Geometry out;
  std::array<double, 3> corner{};  // old index of the new grid's voxel (0,0,0)
  for (int a = 0; a < 3; ++a) {
    const int b = src[a];
    out.size[a] = g.size[b];
    out.spacing[a] = g.spacing[b];
    for (int r = 0; r < 3; ++r) out.direction[3 * r + a] = (flip[a] ? -1.0 : 1.0) * g.direction[3 * r + b];
    corner[b] = flip[a] ? static_cast<double>(g.size[b] - 1) : 0.0;
  }
  out.origin = index_to_world(g, corner);

  Volume r = make_volume(out);
  int64_t old_idx[3];
  size_t o = 0;
  for (int64_t k = 0; k < out.size[2]; ++k)
    for (int64_t j = 0; j < out.size[1]; ++j)
      for (int64_t i = 0; i < out.size[0]; ++i, ++o) {
        const int64_t n[3] = {i, j, k};
        for (int a = 0; a < 3; ++a) old_idx[src[a]] = flip[a] ? g.size[src[a]] - 1 - n[a] : n[a];
        r.voxels[o] = v.at(old_idx[0], old_idx[1], old_idx[2]);
      }
  return r;
}

}  // namespace labkit::imageio
