// The tool's geometry path (model space, crops, back to the original grid) and prompt parsing.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "labkit/core/error.h"
#include "sphere_phantom.h"
#include "prompts.h"
#include "run_command.h"
#include "surface_dice.h"
#include "labkit/petseg/volume_space.h"

namespace img = labkit::imageio;
using namespace labkit::seganypet_infer;
using namespace labkit::petseg;

TEST(SegAnyPetUnits, ModelSpaceIsRasAtModelSpacing) {
  auto p = make_sphere_phantom(1, 2);
  auto m = to_model_space(p.pet, 1.5);
  EXPECT_EQ(img::orientation_code(m.volume.geometry), "RAS");
  for (double s : m.volume.geometry.spacing) EXPECT_DOUBLE_EQ(s, 1.5);
  EXPECT_EQ(m.tensor.sizes().vec(), (std::vector<int64_t>{m.volume.geometry.size[0], m.volume.geometry.size[1],
                                                           m.volume.geometry.size[2]}));
  // tensor[i][j][k] is voxel (i, j, k).
  EXPECT_FLOAT_EQ(m.tensor[5][7][9].item<float>(), m.volume.at(5, 7, 9));
  // A voxel index maps to the same world point in both grids.
  auto mi = original_to_model(m, {10, 20, 30});
  auto a = img::index_to_world(p.pet.geometry, {10, 20, 30}), b = img::index_to_world(m.volume.geometry, mi);
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(a[i], b[i], 1e-9);
}

TEST(SegAnyPetUnits, CropRoundTripToOriginalGrid) {
  auto p = make_sphere_phantom(2, 1);
  auto m = to_model_space(p.pet, 1.5);
  const std::array<double, 3> centre{40, 50, 45};
  auto crop = crop_around(m, centre, 32);
  EXPECT_EQ(crop.start, (Index3{24, 34, 29}));
  // Crop voxels equal model-space voxels inside the volume, zero outside.
  auto t = extract(m, crop);
  EXPECT_FLOAT_EQ(t[3][4][5].item<float>(), m.volume.at(27, 38, 34));
  auto edge = crop_around(m, {0, 0, 0}, 32);
  EXPECT_EQ(extract(m, edge)[0][0][0].item<float>(), 0.0f);
  // An all-ones crop mask comes back as the crop's box in the original grid, with the original geometry.
  auto back = crop_mask_to_original(m, crop, torch::ones({32, 32, 32}, torch::kBool));
  EXPECT_TRUE(img::same_geometry(back.geometry, p.pet.geometry));
  int64_t inside = 0, wrong = 0;
  for (int64_t k = 0; k < back.geometry.size[2]; ++k)
    for (int64_t j = 0; j < back.geometry.size[1]; ++j)
      for (int64_t i = 0; i < back.geometry.size[0]; ++i) {
        auto c = img::world_to_index(crop.geometry, img::index_to_world(p.pet.geometry, {double(i), double(j), double(k)}));
        const bool in = c[0] > -0.49 && c[0] < 31.49 && c[1] > -0.49 && c[1] < 31.49 && c[2] > -0.49 && c[2] < 31.49;
        const bool out = c[0] < -0.51 || c[0] > 31.51 || c[1] < -0.51 || c[1] > 31.51 || c[2] < -0.51 || c[2] > 31.51;
        const float v = back.at(i, j, k);
        inside += v > 0.5f;
        if ((in && v < 0.5f) || (out && v > 0.5f)) ++wrong;
      }
  EXPECT_GT(inside, 1000);
  EXPECT_EQ(wrong, 0);
}

TEST(SegAnyPetUnits, ZNormalisationOverPositiveVoxels) {
  auto x = torch::tensor({0.f, 0.f, 1.f, 2.f, 3.f, -1.f});
  auto y = z_normalise(x);
  // mean 2, unbiased std 1 over {1, 2, 3}; applied to every voxel.
  EXPECT_NEAR(y[0].item<float>(), -2.0f, 1e-6);
  EXPECT_NEAR(y[4].item<float>(), 1.0f, 1e-6);
  EXPECT_NEAR(y[5].item<float>(), -3.0f, 1e-6);
  EXPECT_NEAR(z_normalise(torch::zeros({4}))[0].item<float>(), 0.0f, 0);
}

TEST(SegAnyPetUnits, PointsAndPromptFiles) {
  img::Geometry g;
  g.size = {10, 20, 30};
  g.spacing = {2, 2, 2};
  g.origin = {-10, 0, 0};
  auto c = parse_point("1,2,3", Coords::kVoxel, g, "--point");
  EXPECT_EQ(c.ijk, (std::array<double, 3>{1, 2, 3}));
  EXPECT_TRUE(c.positive);
  auto mm = parse_point("-8,4,6,0", Coords::kLps, g, "--point-mm");
  EXPECT_EQ(mm.ijk, (std::array<double, 3>{1, 2, 3}));
  EXPECT_FALSE(mm.positive);
  // RAS is LPS with x and y negated (identity direction here: x_LPS = -10 + 2i, so i = 1 is x_LPS -8).
  auto ras = parse_point("8,-4,6", Coords::kRas, g, "--point-ras");
  EXPECT_EQ(ras.ijk, (std::array<double, 3>{1, 2, 3}));
  EXPECT_THROW(parse_point("nan,2,3", Coords::kLps, g, "--point-mm"), labkit::InputError);
  EXPECT_THROW(parse_point("1,2", Coords::kVoxel, g, "--point"), labkit::InputError);
  EXPECT_THROW(parse_point("1,2,x", Coords::kVoxel, g, "--point"), labkit::InputError);
  EXPECT_THROW(parse_point("1,2,3,2", Coords::kVoxel, g, "--point"), labkit::InputError);
  EXPECT_THROW(parse_point("10,2,3", Coords::kVoxel, g, "--point"), labkit::InputError);  // index 10 of size 10
  const auto dir = labkit::test::fresh_temp_dir("seganypet_prompts");
  auto write = [&](const std::string& name, const std::string& text) {
    std::ofstream(dir + "/" + name) << text;
    return dir + "/" + name;
  };
  auto ok = read_targets(write("ok.json", R"({"targets": [{"label": 3, "points": [{"voxel": [1,2,3]},
      {"mm": [-8,4,6], "positive": false}]}, {"points": [{"voxel": [4,4,4]}, {"ras": [8,-4,6]}]}]})"), g);
  ASSERT_EQ(ok.size(), 2u);
  EXPECT_EQ(ok[0].label, 3);
  EXPECT_EQ(ok[1].label, 2);
  EXPECT_FALSE(ok[0].clicks[1].positive);
  EXPECT_EQ(ok[1].clicks[1].ijk, (std::array<double, 3>{1, 2, 3}));
  auto err = [&](const std::string& name, const std::string& text) {
    try {
      read_targets(write(name, text), g);
    } catch (const labkit::InputError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_NE(err("empty.json", "").find("not valid JSON"), std::string::npos);
  EXPECT_NE(err("none.json", R"({"targets": []})").find("no targets"), std::string::npos);
  EXPECT_NE(err("dup.json", R"({"targets": [{"label": 1, "points": [{"voxel": [1,1,1]}]},
      {"label": 1, "points": [{"voxel": [1,1,1]}]}]})").find("used twice"), std::string::npos);
  EXPECT_NE(err("neg.json", R"({"targets": [{"points": [{"voxel": [1,1,1], "positive": false}]}]})").find("first point"),
            std::string::npos);
  EXPECT_NE(err("out.json", R"({"targets": [{"points": [{"voxel": [1,1,99]}]}]})").find("outside the image"),
            std::string::npos);
}

namespace {
img::Volume cube(const img::Geometry& g, int64_t x0, int64_t n, float value = 1) {
  auto v = img::make_volume(g, 0);
  for (int64_t k = 5; k < 5 + n; ++k)
    for (int64_t j = 5; j < 5 + n; ++j)
      for (int64_t i = x0; i < x0 + n; ++i) v.at(i, j, k) = value;
  return v;
}
}  // namespace

TEST(SegAnyPetUnits, SurfaceDiceOnCubes) {
  img::Geometry g;
  g.size = {40, 20, 20};
  const auto a = cube(g, 5, 8, 3);  // label 3
  EXPECT_DOUBLE_EQ(surface_dice(cube(g, 5, 8), a, 3, 1.0), 1.0);
  EXPECT_DOUBLE_EQ(surface_dice(cube(g, 6, 8), a, 3, 1.0), 1.0);  // shifted one voxel: every surface voxel within 1 mm
  const double shifted3 = surface_dice(cube(g, 8, 8), a, 3, 1.0);
  EXPECT_GT(shifted3, 0.0);
  EXPECT_LT(shifted3, 1.0);
  EXPECT_DOUBLE_EQ(surface_dice(cube(g, 8, 8), a, 3, 3.0), 1.0);  // within a 3 mm tolerance again
  EXPECT_DOUBLE_EQ(surface_dice(cube(g, 25, 8), a, 3, 1.0), 0.0);  // far apart
  EXPECT_DOUBLE_EQ(surface_dice(img::make_volume(g, 0), a, 3, 1.0), 0.0);  // empty prediction
  EXPECT_TRUE(std::isnan(surface_dice(img::make_volume(g, 0), a, 7, 1.0)));  // both empty
  // Anisotropic spacing: a one-voxel shift along a 2 mm axis is beyond a 1 mm tolerance.
  g.spacing = {2.0, 1.0, 1.0};
  auto b = cube(g, 5, 8, 3);
  b.geometry = g;
  auto s = cube(g, 6, 8);
  s.geometry = g;
  EXPECT_LT(surface_dice(s, b, 3, 1.0), 1.0);
  EXPECT_DOUBLE_EQ(surface_dice(s, b, 3, 2.0), 1.0);
}
