// Surfaces from users: a closed, capped N-gon prism (a faceted vessel segment whose volume is known
// exactly) written as ASCII STL by this test and as VTP, read back, voxelised against its exact volume,
// clipped so its openings land on the grid faces; open, unreadable and unknown files are named.
#include <gtest/gtest.h>

#include <vtkCellArray.h>
#include <vtkNew.h>
#include <vtkPoints.h>
#include <vtkPolyData.h>
#include <vtkXMLPolyDataWriter.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>

#include "labkit/core/error.h"
#include "openings.h"
#include "surface_io.h"
#include "prism_surface.h"
#include "temp_dir.h"

namespace ab = labkit::aneumo_build;

using namespace aneumo_test;

namespace {

void write_vtp(const ab::TriangleSurface& s, const std::string& path) {
  vtkNew<vtkPoints> pts;
  for (size_t p = 0; p < s.points.size(); p += 3) pts->InsertNextPoint(&s.points[p]);
  vtkNew<vtkCellArray> tris;
  for (size_t t = 0; t < s.triangles.size(); t += 3) {
    const vtkIdType ids[3] = {s.triangles[t], s.triangles[t + 1], s.triangles[t + 2]};
    tris->InsertNextCell(3, ids);
  }
  vtkNew<vtkPolyData> pd;
  pd->SetPoints(pts);
  pd->SetPolys(tris);
  vtkNew<vtkXMLPolyDataWriter> w;
  w->SetFileName(path.c_str());
  w->SetInputData(pd);
  w->Write();
}

std::string error_of(const std::string& path) {
  try {
    ab::read_surface(path);
  } catch (const labkit::InputError& e) {
    return e.what();
  }
  return "(accepted)";
}

}  // namespace

TEST(AneumoSurfaceIo, ClosedPrismFromStlVoxelisesToItsExactVolume) {
  labkit::test::TempDir tmp("aneumo-surface");
  write_ascii_stl(prism(true), tmp / "prism.stl");
  const auto s = ab::read_surface(tmp / "prism.stl");
  EXPECT_EQ(s.points.size() / 3, 2u * kSides + 2);  // STL's repeated vertices merged
  EXPECT_NEAR(ab::enclosed_volume_mm3(s) / prism_volume(), 1.0, 1e-5);  // 42.3 mm^3; STL text has 6 digits
  const double h = 0.1;
  const auto d = ab::voxelise_surface(s, h, {-0.2, -0.2, -0.2, -0.2, -0.2, -0.2});  // a margin all round
  const double voxels = static_cast<double>(d.fluid_count()) * h * h * h;
  EXPECT_NEAR(voxels / prism_volume(), 1.0, 0.01) << voxels << " vs " << prism_volume();
  std::printf("voxelised %.4f mm^3 vs exact %.4f mm^3 at h = %.2f mm\n", voxels, prism_volume(), h);
  // The signed distance: negative on the axis, and near the side wall the distance to the nearest facet.
  const auto& g = d.grid;
  const int64_t ci = g.size[0] / 2, cj = g.size[1] / 2, ck = g.size[2] / 2;
  EXPECT_TRUE(d.mask[g.index(ci, cj, ck)]);
  EXPECT_LT(d.sdf_mm[g.index(ci, cj, ck)], 0.f);
  for (int64_t i = ci; i < g.size[0] && d.mask[g.index(i, cj, ck)]; ++i) {
    const auto x = g.centre_mm(i, cj, ck);
    const double r = std::hypot(x[0], x[1]);
    // Inside, near the wall: |sdf| is the distance to the nearest facet (within the facets' sagitta).
    if (kR - r < 0.25) {
      EXPECT_NEAR(-d.sdf_mm[g.index(i, cj, ck)], kR * std::cos(kPi / kSides) - r, 0.01) << r;
    }
  }
}

TEST(AneumoSurfaceIo, VtpReadsTheSameAndClippedEndsBecomeOpenings) {
  labkit::test::TempDir tmp("aneumo-surface-vtp");
  write_vtp(prism(true), tmp / "prism.vtp");
  const auto s = ab::read_surface(tmp / "prism.vtp");
  EXPECT_NEAR(ab::enclosed_volume_mm3(s) / prism_volume(), 1.0, 1e-6);  // VTP points are float32
  const auto d = ab::voxelise_surface(s, 0.2, {-0.2, -0.2, -0.2, -0.2, 0.5, 0.5});
  const auto o = ab::find_openings(d, "prism.vtp");
  EXPECT_EQ(o.inlet.axis, 2);
  ASSERT_EQ(o.outlets.size(), 1u);
  EXPECT_EQ(o.outlets[0].axis, 2);
  const double polygon = 0.5 * kSides * kR * kR * std::sin(2 * kPi / kSides);  // 7.05 mm^2
  EXPECT_NEAR(o.inlet.area_mm2 / polygon, 1.0, 0.05);
  std::printf("inlet patch %.3f mm^2 vs polygon %.3f mm^2 at h = 0.2 mm\n", o.inlet.area_mm2, polygon);
}

TEST(AneumoSurfaceIo, OpenUnreadableAndUnknownFilesAreNamed) {
  labkit::test::TempDir tmp("aneumo-surface-bad");
  write_ascii_stl(prism(false), tmp / "open.stl");
  const std::string open = error_of(tmp / "open.stl");
  EXPECT_NE(open.find(std::string(tmp / "open.stl") + ": the surface is not closed and manifold: 96 boundary edges"),
            std::string::npos) << open;
  std::ofstream(tmp / "junk.vtp") << "<VTKFile type=\"PolyData\"> not really";
  EXPECT_NE(error_of(tmp / "junk.vtp").find("junk.vtp: "), std::string::npos);
  std::ofstream(tmp / "junk.stl") << "solid x\n facet normal 0 0 0\n outer loop\n vertex 1 2\n";
  EXPECT_NE(error_of(tmp / "junk.stl").find("junk.stl: "), std::string::npos);
  {  // a binary STL whose header claims 1e9 facets in a 134-byte file (VTK would allocate for them)
    std::string bytes(84, 'x');
    const std::uint32_t n = 1000000000u;
    for (int b = 0; b < 4; ++b) bytes[80 + b] = static_cast<char>((n >> (8 * b)) & 0xff);
    bytes += std::string(50, '\0');
    std::ofstream(tmp / "huge.stl", std::ios::binary) << bytes;
    EXPECT_NE(error_of(tmp / "huge.stl").find("huge.stl: not an STL file"), std::string::npos) << error_of(tmp / "huge.stl");
  }
  std::ofstream(tmp / "mesh.obj") << "v 0 0 0\n";
  EXPECT_NE(error_of(tmp / "mesh.obj").find("unknown surface format"), std::string::npos);
  EXPECT_NE(error_of(tmp / "missing.stl").find("no such surface file"), std::string::npos);
}
