// Parametric vessel geometry as a signed distance function (mm, negative inside the lumen): tubes along
// polyline centrelines with a radius per vertex, joined by union, plus spherical saccular aneurysms on
// their side. The generators extend every tube past the domain box, so cutting the box opens the ends
// (inlet and outlets lie on box faces) and the parent vessel without its sac is known exactly.
#pragma once

#include <array>
#include <string>
#include <vector>

#include "grid.h"
#include "vec3.h"

namespace labkit::aneumo_build {



struct Tube {
  std::vector<Vec3> centreline;  // mm
  std::vector<double> radius;    // mm, one per vertex
};

// A sac: a sphere whose cap outside the parent wall has neck width `neck_mm` and height `height_mm`
// (measured from the tangent plane of the parent wall at the neck centre).
struct Sac {
  Vec3 centre;
  double radius;
  Vec3 neck_centre;  // on the parent wall
  Vec3 axis;         // unit, from the neck centre towards the dome
  double neck_mm, height_mm;
};

struct Shape {
  std::vector<Tube> tubes;
  std::vector<Sac> sacs;
  Vec3 box_lo, box_hi;  // the domain, mm
  double sdf(const Vec3& p) const;          // tubes and sacs
  double parent_sdf(const Vec3& p) const;  // tubes only: the aneurysm-free parent vessel
};

struct ShapeSpec {
  std::string kind;          // pipe | curved | bifurcation | aneurysm
  double diameter_mm;        // parent (inlet) diameter
  double length_mm;          // axial length of the straight parts
  double bend_radius_mm;     // curved: centreline radius of the bend
  double bend_angle_deg;     // curved: bend angle
  double branch_angle_deg;   // bifurcation: angle between each daughter and the parent axis
  double neck_mm;            // aneurysm: neck width
  double aspect_ratio;       // aneurysm: height / neck width
  double sac_position;       // aneurysm: where along the parent (0..1 of its length) the neck sits
  double sac_azimuth_deg;    // aneurysm: direction of the sac around the parent axis
  std::string parent;        // aneurysm: pipe | curved (the parent vessel's shape)
};

// Throws InputError naming the key ("config shape.<key>: ...") for impossible combinations.
Shape make_shape(const ShapeSpec& spec);

// Voxelises the shape: voxel centres with sdf < 0 are lumen; the signed distance is kept per voxel.
// `use_parent` voxelises the parent vessel only (the exact resection target).
Domain voxelise(const Shape& shape, double spacing_mm, bool use_parent = false);

}  // namespace labkit::aneumo_build
