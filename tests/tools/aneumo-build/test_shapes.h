// Generated test geometries shared by the aneumo-build tests: a straight 3 mm pipe and a saccular aneurysm
// on one (sac at mid-length), both as the tool's parametric generator makes them.
#pragma once

#include "shapes.h"

namespace labkit::aneumo_build::test {

inline ShapeSpec pipe_spec(double length_mm, double diameter_mm = 3) {
  ShapeSpec s{};
  s.kind = "pipe";
  s.diameter_mm = diameter_mm;
  s.length_mm = length_mm;
  return s;
}

inline ShapeSpec aneurysm_spec(double length_mm, double neck_mm, double aspect_ratio) {
  ShapeSpec s = pipe_spec(length_mm);
  s.kind = "aneurysm";
  s.parent = "pipe";
  s.bend_radius_mm = 6;
  s.neck_mm = neck_mm;
  s.aspect_ratio = aspect_ratio;
  s.sac_position = 0.5;
  return s;
}

}  // namespace labkit::aneumo_build::test
