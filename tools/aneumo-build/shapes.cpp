#include "shapes.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "labkit/core/error.h"
#include "labkit/core/settings.h"
#include "vec3.h"

namespace labkit::aneumo_build {

namespace {

constexpr double kPi = 3.14159265358979323846;

// Distance from p to a tube segment whose radius varies linearly from ra to rb (a round-cone
// approximation: exact for equal radii, within (rb-ra)^2/L of exact otherwise, ample for gentle tapers).
double segment_sdf(const Vec3& p, const Vec3& a, const Vec3& b, double ra, double rb) {
  const Vec3 ab = sub(b, a), ap = sub(p, a);
  const double len2 = dot(ab, ab);
  const double t = len2 > 0 ? std::clamp(dot(ap, ab) / len2, 0.0, 1.0) : 0.0;
  return norm(sub(ap, scale(ab, t))) - (ra + t * (rb - ra));
}

double tube_sdf(const Tube& tube, const Vec3& p) {
  double d = std::numeric_limits<double>::infinity();
  for (size_t i = 0; i + 1 < tube.centreline.size(); ++i)
    d = std::min(d, segment_sdf(p, tube.centreline[i], tube.centreline[i + 1], tube.radius[i], tube.radius[i + 1]));
  return d;
}

// The arc of a bend in the x-z plane: starts at `start` heading +z, turns towards +x.
void append_bend(Tube& t, const Vec3& start, double bend_radius, double angle_rad, double r, int pieces) {
  const Vec3 centre{start[0] + bend_radius, start[1], start[2]};
  for (int k = 1; k <= pieces; ++k) {
    const double a = angle_rad * k / pieces;
    t.centreline.push_back({centre[0] - bend_radius * std::cos(a), start[1], start[2] + bend_radius * std::sin(a)});
    t.radius.push_back(r);
  }
}

void grow_box(Shape& s, const Vec3& p, double pad) {
  for (int a = 0; a < 3; ++a) {
    s.box_lo[a] = std::min(s.box_lo[a], p[a] - pad);
    s.box_hi[a] = std::max(s.box_hi[a], p[a] + pad);
  }
}

// Parent vessels. Every tube runs one diameter past the box at its open ends.
Shape straight_parent(const ShapeSpec& sp) {
  const double r = sp.diameter_mm / 2, L = sp.length_mm;
  Shape s;
  s.tubes.push_back({{{0, 0, -2 * r}, {0, 0, L + 2 * r}}, {r, r}});
  s.box_lo = {-r, -r, 0};
  s.box_hi = {r, r, L};
  return s;
}

Shape curved_parent(const ShapeSpec& sp) {
  const double r = sp.diameter_mm / 2, lead = sp.length_mm / 2, ang = sp.bend_angle_deg * kPi / 180;
  Shape s;
  Tube t{{{0, 0, -2 * r}, {0, 0, lead}}, {r, r}};
  append_bend(t, {0, 0, lead}, sp.bend_radius_mm, ang, r, 48);
  const Vec3 end = t.centreline.back(), dir{std::sin(ang), 0, std::cos(ang)};
  t.centreline.push_back(add(end, scale(dir, lead)));
  t.radius.push_back(r);
  s.box_lo = {0, 0, 0};
  s.box_hi = {0, 0, 0};
  for (const auto& p : t.centreline) grow_box(s, p, r);
  s.box_lo[2] = 0;  // inlet plane z = 0
  // Outlet: the tube leaves through the face the exit direction points at most.
  if (std::abs(dir[0]) > std::abs(dir[2])) s.box_hi[0] = t.centreline.back()[0];
  else s.box_hi[2] = t.centreline.back()[2];
  t.centreline.push_back(add(t.centreline.back(), scale(dir, 2 * r)));
  t.radius.push_back(r);
  s.tubes.push_back(t);
  return s;
}

Shape bifurcation(const ShapeSpec& sp) {
  const double r = sp.diameter_mm / 2, L = sp.length_mm / 2, ang = sp.branch_angle_deg * kPi / 180;
  const double rd = r / std::cbrt(2.0);  // Murray's law: r^3 = 2 rd^3
  Shape s;
  const Vec3 split{0, 0, L};
  s.tubes.push_back({{{0, 0, -2 * r}, split}, {r, r}});
  double top = 0, half_width = r;
  for (int side : {-1, 1}) {
    const Vec3 dir{side * std::sin(ang), 0, std::cos(ang)};
    const Vec3 end = add(split, scale(dir, L));
    top = end[2];
    half_width = std::max(half_width, std::abs(end[0]) + rd * 3);
    s.tubes.push_back({{split, add(end, scale(dir, 2 * r / std::cos(ang)))}, {r, rd}});
  }
  s.box_lo = {-half_width, -r, 0};
  s.box_hi = {half_width, r, top};
  return s;
}

// A point on the parent centreline at fraction f of its arc length, and the tangent there.
std::pair<Vec3, Vec3> point_along(const Tube& t, double f) {
  double total = 0;
  for (size_t i = 0; i + 1 < t.centreline.size(); ++i) total += norm(sub(t.centreline[i + 1], t.centreline[i]));
  double want = f * total;
  for (size_t i = 0; i + 1 < t.centreline.size(); ++i) {
    const Vec3 seg = sub(t.centreline[i + 1], t.centreline[i]);
    const double len = norm(seg);
    if (want <= len || i + 2 == t.centreline.size())
      return {add(t.centreline[i], scale(seg, std::min(want, len) / len)), scale(seg, 1 / len)};
    want -= len;
  }
  return {t.centreline.front(), {0, 0, 1}};
}

void add_sac(Shape& s, const ShapeSpec& sp) {
  const double r = sp.diameter_mm / 2, w = sp.neck_mm, H = sp.aspect_ratio * w;
  if (w >= 2 * r * 1.2) throw config_error("shape.neck_mm", "a neck wider than 1.2 parent diameters does not sit on the parent");
  // A sphere of radius a whose centre is d above the wall plane cuts a disc of radius w/2 and rises H:
  // a^2 - d^2 = w^2/4 and a + d = H.
  const double a = 0.5 * (H + w * w / (4 * H)), d = H - a;
  const auto [c, tangent] = point_along(s.tubes.front(), sp.sac_position);
  // The side direction: perpendicular to the tangent, rotated by the azimuth about it.
  Vec3 u = std::abs(tangent[1]) < 0.9 ? Vec3{0, 1, 0} : Vec3{1, 0, 0};
  u = normalised(sub(u, scale(tangent, dot(u, tangent))));
  const Vec3 v = cross(tangent, u);
  const double az = sp.sac_azimuth_deg * kPi / 180;
  const Vec3 axis = add(scale(u, std::cos(az)), scale(v, std::sin(az)));
  Sac sac{add(c, scale(axis, r + d)), a, add(c, scale(axis, r)), axis, w, H};
  s.sacs.push_back(sac);
  for (const Vec3& p : {add(sac.centre, Vec3{a, a, a}), sub(sac.centre, Vec3{a, a, a})}) {
    // Grow the box laterally only: the axial ends stay the inlet/outlet planes.
    for (int ax = 0; ax < 3; ++ax) {
      if (std::abs(tangent[ax]) > 0.7) continue;
      s.box_lo[ax] = std::min(s.box_lo[ax], p[ax]);
      s.box_hi[ax] = std::max(s.box_hi[ax], p[ax]);
    }
  }
}

}  // namespace

double Shape::parent_sdf(const Vec3& p) const {
  double d = std::numeric_limits<double>::infinity();
  for (const auto& t : tubes) d = std::min(d, tube_sdf(t, p));
  return d;
}

double Shape::sdf(const Vec3& p) const {
  double d = parent_sdf(p);
  for (const auto& s : sacs) d = std::min(d, norm(sub(p, s.centre)) - s.radius);
  return d;
}

Shape make_shape(const ShapeSpec& sp) {
  if (sp.kind == "pipe") return straight_parent(sp);
  if (sp.kind == "curved") return curved_parent(sp);
  if (sp.kind == "bifurcation") return bifurcation(sp);
  if (sp.kind == "aneurysm") {
    Shape s = sp.parent == "curved" ? curved_parent(sp) : straight_parent(sp);
    add_sac(s, sp);
    return s;
  }
  throw config_error("shape.kind", "unknown shape '" + sp.kind + "'");
}

Domain voxelise(const Shape& shape, double spacing_mm, bool use_parent) {
  Domain d;
  Grid& g = d.grid;
  g.spacing_mm = spacing_mm;
  for (int a = 0; a < 3; ++a) {
    // One voxel of margin on every face: closed sides keep a wall layer, and the tubes run past the open
    // ends, so those faces still cut the lumen (the openings are one voxel further out).
    const double extent = shape.box_hi[a] - shape.box_lo[a];
    g.size[a] = std::max<int64_t>(1, static_cast<int64_t>(std::ceil(extent / spacing_mm - 1e-9))) + 2;
    g.origin_mm[a] = 0.5 * (shape.box_lo[a] + shape.box_hi[a]) - 0.5 * (g.size[a] - 1) * spacing_mm;
  }
  d.mask.assign(g.count(), 0);
  d.sdf_mm.assign(g.count(), 0.f);
  for (int64_t k = 0; k < g.size[2]; ++k)
    for (int64_t j = 0; j < g.size[1]; ++j)
      for (int64_t i = 0; i < g.size[0]; ++i) {
        const auto p = g.centre_mm(i, j, k);
        const double s = use_parent ? shape.parent_sdf(p) : shape.sdf(p);
        d.mask[g.index(i, j, k)] = s < 0;
        d.sdf_mm[g.index(i, j, k)] = static_cast<float>(s);
      }
  return d;
}

}  // namespace labkit::aneumo_build
