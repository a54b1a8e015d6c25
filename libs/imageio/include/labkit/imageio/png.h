// 8-bit RGB pictures as PNG files (through ITK's PNG writer), for figures a tool writes beside its
// results (seganypet-infer's mask overlays). No ITK in this header.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace labkit::imageio {

// Row-major, top row first, 3 bytes (R, G, B) per pixel.
struct RgbImage {
  int64_t width = 0, height = 0;
  std::vector<std::uint8_t> rgb;

  RgbImage() = default;
  RgbImage(int64_t w, int64_t h, std::array<std::uint8_t, 3> fill = {0, 0, 0});
  std::array<std::uint8_t, 3> at(int64_t x, int64_t y) const;
  void set(int64_t x, int64_t y, std::array<std::uint8_t, 3> colour);
};

// Writes `image` to `path` through a temporary name in the same folder, read back and compared before
// the rename (so a full disk leaves nothing under the final name). std::runtime_error on failure.
void write_png(const RgbImage& image, const std::string& path);

// Reads an 8-bit RGB or grey PNG (grey becomes R = G = B). InputError "<path>: ..." otherwise.
RgbImage read_png(const std::string& path);

}  // namespace labkit::imageio
