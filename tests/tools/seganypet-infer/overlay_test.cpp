// The overlay picture (overlay.h) on a small hand-made volume: panel layout, the grey window, label colours
// where the mask is and grey elsewhere, the click marker, orientation independence; PNG round trip.
#include "overlay.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "labkit/core/error.h"
#include "run_command.h"

namespace img = labkit::imageio;
using labkit::seganypet_infer::label_colour;
using labkit::seganypet_infer::overlay_panels;
using labkit::seganypet_infer::render_overlay;
using Rgb = std::array<std::uint8_t, 3>;

namespace {

// 8 x 6 x 4 voxels of 1 x 1 x 2 mm, LPS; value i + 10 j + 100 k. Label 1 on the box i 2..4, j 1..3, k 1..2.
struct Scene {
  img::Volume image, labels;
  float hi;  // the 99.5th percentile, computed here from the sorted values
};

Scene scene() {
  img::Geometry g;
  g.size = {8, 6, 4};
  g.spacing = {1, 1, 2};
  Scene s{img::make_volume(g), img::make_volume(g), 0};
  for (int64_t k = 0; k < 4; ++k)
    for (int64_t j = 0; j < 6; ++j)
      for (int64_t i = 0; i < 8; ++i) {
        s.image.at(i, j, k) = float(i + 10 * j + 100 * k);
        if (i >= 2 && i <= 4 && j >= 1 && j <= 3 && k >= 1 && k <= 2) s.labels.at(i, j, k) = 1;
      }
  std::vector<float> sorted = s.image.voxels;
  std::sort(sorted.begin(), sorted.end());
  s.hi = sorted[190];  // floor(0.995 * 191)
  return s;
}

std::uint8_t grey(const Scene& s, float v) { return static_cast<std::uint8_t>(std::lround(255.0 * v / s.hi)); }

Rgb blended(std::uint8_t g, int label) {
  const auto c = label_colour(label);
  return {static_cast<std::uint8_t>((g + c[0]) / 2), static_cast<std::uint8_t>((g + c[1]) / 2),
          static_cast<std::uint8_t>((g + c[2]) / 2)};
}

}  // namespace

TEST(SegAnyPetOverlay, PanelsKeepPhysicalProportions) {
  const auto s = scene();
  const auto p = overlay_panels(s.image.geometry);
  // axial 8 x 6, coronal 8 x (4 slices of 2 mm = 8), sagittal 6 x 8; 4 px gaps.
  EXPECT_EQ(p[0].x, 0);
  EXPECT_EQ(p[0].w, 8);
  EXPECT_EQ(p[0].h, 6);
  EXPECT_EQ(p[1].x, 12);
  EXPECT_EQ(p[1].w, 8);
  EXPECT_EQ(p[1].h, 8);
  EXPECT_EQ(p[2].x, 24);
  EXPECT_EQ(p[2].w, 6);
  EXPECT_EQ(p[2].h, 8);
  const auto pic = render_overlay(s.image, s.labels, {3, 2, 1});
  EXPECT_EQ(pic.width, 30);
  EXPECT_EQ(pic.height, 8);
}

TEST(SegAnyPetOverlay, MaskColouredGreyElsewhereClickMarked) {
  const auto s = scene();
  const auto pic = render_overlay(s.image, s.labels, {3, 2, 1});
  // Axial slice k = 1: pixel (x, y) is voxel (x, y, 1).
  EXPECT_EQ(pic.at(2, 1), blended(grey(s, 2 + 10 + 100), 1));
  EXPECT_EQ(pic.at(4, 3), blended(grey(s, 4 + 30 + 100), 1));
  const auto g = grey(s, 7 + 50 + 100);
  EXPECT_EQ(pic.at(7, 5), (Rgb{g, g, g}));
  EXPECT_EQ(pic.at(3, 2), blended(grey(s, 3 + 20 + 100), 1)) << "the clicked voxel itself is not covered";
  EXPECT_EQ(pic.at(5, 2), (Rgb{255, 255, 0})) << "the cross arm two pixels right of the click";
  EXPECT_EQ(pic.at(3, 0), (Rgb{255, 255, 0})) << "two pixels up";
  // Coronal slice j = 2, superior up: rows 0-1 are k = 3, rows 4-5 k = 1 (2 mm slices, 1 mm pixels).
  EXPECT_EQ(pic.at(12 + 4, 1), (Rgb{grey(s, 4 + 20 + 300), grey(s, 4 + 20 + 300), grey(s, 4 + 20 + 300)}));
  EXPECT_EQ(pic.at(12 + 4, 2), blended(grey(s, 4 + 20 + 200), 1));
  EXPECT_EQ(pic.at(12 + 4, 4), blended(grey(s, 4 + 20 + 100), 1));
  // Sagittal slice i = 3, anterior (j = 0) on the left.
  EXPECT_EQ(pic.at(24 + 3, 3), blended(grey(s, 3 + 30 + 200), 1));
  const auto g0 = grey(s, 3 + 0 + 0);
  EXPECT_EQ(pic.at(24 + 0, 7), (Rgb{g0, g0, g0}));
  // The gaps stay black.
  EXPECT_EQ(pic.at(9, 0), (Rgb{0, 0, 0}));
  EXPECT_EQ(pic.at(10, 7), (Rgb{0, 0, 0}));
  // Every coloured (non-grey, non-yellow) pixel of the axial panel lies on the mask.
  for (int64_t y = 0; y < 6; ++y)
    for (int64_t x = 0; x < 8; ++x) {
      const auto c = pic.at(x, y);
      const bool coloured = !(c[0] == c[1] && c[1] == c[2]) && c != Rgb{255, 255, 0};
      if (coloured) EXPECT_EQ(s.labels.at(x, y, 1), 1.0f) << x << "," << y;
    }
}

TEST(SegAnyPetOverlay, SamePictureWhateverTheVoxelOrder) {
  const auto s = scene();
  const auto ras_image = img::reorient(s.image, "RAS"), ras_labels = img::reorient(s.labels, "RAS");
  // LPS voxel (3, 2, 1) is RAS voxel (7 - 3, 5 - 2, 1).
  const auto a = render_overlay(s.image, s.labels, {3, 2, 1});
  const auto b = render_overlay(ras_image, ras_labels, {4, 3, 1});
  EXPECT_EQ(a.rgb, b.rgb);
}

TEST(SegAnyPetOverlay, LabelColoursDiffer) {
  EXPECT_EQ(label_colour(1), (Rgb{230, 25, 75}));
  EXPECT_NE(label_colour(1), label_colour(2));
  EXPECT_EQ(label_colour(7), label_colour(1));  // six colours, repeating
}

TEST(SegAnyPetOverlay, PngRoundTripAndErrors) {
  const std::string dir = labkit::test::fresh_temp_dir("overlay_png");
  img::RgbImage pic(5, 3, {10, 20, 30});
  pic.set(4, 2, {255, 0, 7});
  img::write_png(pic, dir + "/p.png");
  const auto back = img::read_png(dir + "/p.png");
  EXPECT_EQ(back.width, 5);
  EXPECT_EQ(back.height, 3);
  EXPECT_EQ(back.rgb, pic.rgb);
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir), std::filesystem::directory_iterator()), 1)
      << "no temporary file left";
  EXPECT_THROW(img::write_png(pic, dir + "/missing/p.png"), std::exception);
  std::ofstream(dir + "/not.png") << "hello";
  EXPECT_THROW(img::read_png(dir + "/not.png"), labkit::InputError);
}
