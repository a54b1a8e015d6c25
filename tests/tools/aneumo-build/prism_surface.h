// A closed, capped N-gon prism (a faceted vessel segment whose volume is known exactly) and an ASCII STL
// writer independent of VTK's: the surface-input tests' fixture.
#pragma once

#include <cmath>
#include <fstream>
#include <string>

#include "surface_io.h"

namespace aneumo_test {


constexpr double kPi = 3.14159265358979323846;
constexpr int kSides = 48;
constexpr double kR = 1.5, kL = 6.0;

// Prism along z from 0 to L: ring points, a centre point per cap; outward triangles. Without caps the
// tube is open.
inline labkit::aneumo_build::TriangleSurface prism(bool capped) {
  labkit::aneumo_build::TriangleSurface s;
  for (int z = 0; z < 2; ++z)
    for (int n = 0; n < kSides; ++n)
      s.points.insert(s.points.end(), {kR * std::cos(2 * kPi * n / kSides), kR * std::sin(2 * kPi * n / kSides), z * kL});
  s.points.insert(s.points.end(), {0, 0, 0, 0, 0, kL});
  const int64_t c0 = 2 * kSides, c1 = c0 + 1;
  for (int64_t n = 0; n < kSides; ++n) {
    const int64_t a = n, b = (n + 1) % kSides, A = a + kSides, B = b + kSides;
    s.triangles.insert(s.triangles.end(), {a, b, B, a, B, A});
    if (capped) s.triangles.insert(s.triangles.end(), {c0, b, a, c1, A, B});
  }
  return s;
}

inline double prism_volume() { return 0.5 * kSides * kR * kR * std::sin(2 * kPi / kSides) * kL; }

inline void write_ascii_stl(const labkit::aneumo_build::TriangleSurface& s, const std::string& path) {
  std::ofstream out(path);
  out << "solid prism\n";
  for (size_t t = 0; t < s.triangles.size(); t += 3) {
    out << " facet normal 0 0 0\n  outer loop\n";
    for (int m = 0; m < 3; ++m) {
      const double* p = &s.points[3 * s.triangles[t + m]];
      out << "   vertex " << p[0] << ' ' << p[1] << ' ' << p[2] << '\n';
    }
    out << "  endloop\n endfacet\n";
  }
  out << "endsolid prism\n";
}

}  // namespace aneumo_test
