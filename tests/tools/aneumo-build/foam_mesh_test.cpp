// The polyMesh reader's wall normals on a voxel mesh (the tool's own writer): one per wall face, each a
// unit axis vector across the z-axis pipe's wall; a hand-written triangle's orientation; bad files named.
// (The e2e OpenFOAM test checks the sign: radial into the lumen on blockMesh's O-grid.)
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "foam_mesh.h"
#include "labkit/core/error.h"
#include "openfoam_mesh.h"
#include "openings.h"
#include "shapes.h"
#include "temp_dir.h"
#include "test_shapes.h"

namespace ab = labkit::aneumo_build;

TEST(AneumoFoamMesh, VoxelWallNormalsPointOutOfTheLumen) {
  const auto d = ab::voxelise(ab::make_shape(ab::test::pipe_spec(3)), 0.5);
  labkit::test::TempDir tmp("aneumo-foam-mesh");
  const std::string dir = tmp / "polyMesh";
  std::filesystem::create_directories(dir);
  ab::write_voxel_poly_mesh(d, ab::find_openings(d, "pipe"), dir);
  const auto n = ab::foam_patch_normals(dir, "wall");
  ASSERT_GT(n.size(), 0u);
  // The wall faces' count equals the lumen voxels' sides that face a non-lumen voxel inside the grid.
  size_t sides = 0;
  const auto& g = d.grid;
  for (int64_t k = 0; k < g.size[2]; ++k)
    for (int64_t j = 0; j < g.size[1]; ++j)
      for (int64_t i = 0; i < g.size[0]; ++i) {
        if (!d.mask[g.index(i, j, k)]) continue;
        const int64_t q[6][3] = {{i - 1, j, k}, {i + 1, j, k}, {i, j - 1, k}, {i, j + 1, k}, {i, j, k - 1}, {i, j, k + 1}};
        for (const auto& p : q) {
          const bool in = p[0] >= 0 && p[1] >= 0 && p[2] >= 0 && p[0] < g.size[0] && p[1] < g.size[1] && p[2] < g.size[2];
          sides += in ? !d.mask[g.index(p[0], p[1], p[2])] : (p[2] >= 0 && p[2] < g.size[2]);  // z ends are openings
        }
      }
  EXPECT_EQ(n.size() / 3, sides);
  // A z-axis pipe's wall faces face x or y.
  for (size_t m = 0; m < n.size(); m += 3) {
    EXPECT_NEAR(std::abs(n[m]) + std::abs(n[m + 1]) + std::abs(n[m + 2]), 1.0, 1e-12);
    EXPECT_EQ(n[m + 2], 0.0);
  }
}

TEST(AneumoFoamMesh, BadMeshFilesAreNamed) {
  labkit::test::TempDir tmp("aneumo-foam-bad");
  const std::string dir = tmp / "polyMesh";
  std::filesystem::create_directories(dir);
  const std::string head = "FoamFile { format ascii; class x; }\n";
  std::ofstream(dir + "/boundary") << head << "1 ( wall { type wall; nFaces 1; startFace 0; } )\n";
  std::ofstream(dir + "/points") << head << "3 ( (0 0 0) (1 0 0) (0 1 0) )\n";
  std::ofstream(dir + "/faces") << head << "1 ( 3(0 1 7) )\n";
  try {
    ab::foam_patch_normals(dir, "wall");
    FAIL() << "a face naming a missing point was accepted";
  } catch (const labkit::InputError& e) {
    EXPECT_NE(std::string(e.what()).find(dir + "/faces: face 0 names point 7 of 3"), std::string::npos) << e.what();
  }
  std::ofstream(dir + "/faces") << head << "1 ( 3(0 1 2) )\n";
  const auto n = ab::foam_patch_normals(dir, "wall");
  ASSERT_EQ(n.size(), 3u);
  EXPECT_DOUBLE_EQ(n[2], 1.0);  // counter-clockwise in x-y: +z
  EXPECT_THROW(ab::foam_patch_normals(dir, "inlet"), labkit::InputError);
}
