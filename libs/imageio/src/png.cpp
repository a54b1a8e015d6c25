// PNG through itk::PNGImageIO directly (not the IO factory, so reading volumes never picks PNG).
#include "labkit/imageio/png.h"

#include <itkPNGImageIO.h>

#include <filesystem>
#include <stdexcept>

#include "itk_io.h"
#include "labkit/core/error.h"

namespace labkit::imageio {

RgbImage::RgbImage(int64_t w, int64_t h, std::array<std::uint8_t, 3> fill) : width(w), height(h) {
  if (w < 1 || h < 1) throw std::invalid_argument("RgbImage: size must be at least 1x1");
  rgb.resize(static_cast<size_t>(w * h * 3));
  for (size_t i = 0; i < rgb.size(); i += 3) rgb[i] = fill[0], rgb[i + 1] = fill[1], rgb[i + 2] = fill[2];
}

std::array<std::uint8_t, 3> RgbImage::at(int64_t x, int64_t y) const {
  const size_t o = static_cast<size_t>((y * width + x) * 3);
  return {rgb[o], rgb[o + 1], rgb[o + 2]};
}

void RgbImage::set(int64_t x, int64_t y, std::array<std::uint8_t, 3> c) {
  if (x < 0 || y < 0 || x >= width || y >= height) return;  // clipped: markers near the border
  const size_t o = static_cast<size_t>((y * width + x) * 3);
  rgb[o] = c[0], rgb[o + 1] = c[1], rgb[o + 2] = c[2];
}

namespace {

void write_with_itk(const RgbImage& image, const std::string& file) {
  auto io = itk::PNGImageIO::New();
  io->SetNumberOfDimensions(2);
  itk::ImageIORegion region(2);
  const int64_t size[2] = {image.width, image.height};
  for (unsigned a = 0; a < 2; ++a) {
    io->SetDimensions(a, static_cast<unsigned>(size[a]));
    io->SetSpacing(a, 1.0);
    io->SetOrigin(a, 0.0);
    region.SetIndex(a, 0);
    region.SetSize(a, static_cast<itk::SizeValueType>(size[a]));
  }
  io->SetPixelType(itk::IOPixelEnum::RGB);
  io->SetComponentType(itk::IOComponentEnum::UCHAR);
  io->SetNumberOfComponents(3);
  io->SetIORegion(region);
  io->SetFileName(file);
  try {
    io->Write(image.rgb.data());
  } catch (const itk::ExceptionObject& e) {
    throw std::runtime_error(file + ": cannot write the PNG: " + detail::one_line(e));
  }
}

}  // namespace

void write_png(const RgbImage& image, const std::string& path) {
  if (image.width < 1 || image.height < 1 || image.rgb.size() != static_cast<size_t>(image.width * image.height * 3))
    throw std::invalid_argument(path + ": an RGB picture needs width * height * 3 bytes");
  // The temporary name keeps ".png" for readers that go by extension.
  const auto p = std::filesystem::path(path);
  const std::string tmp = (p.parent_path() / ("." + p.stem().string() + ".tmp.png")).string();
  try {
    write_with_itk(image, tmp);
    const RgbImage back = read_png(tmp);
    if (back.width != image.width || back.height != image.height || back.rgb != image.rgb)
      throw std::runtime_error(path + ": the written PNG does not read back as written");
    std::filesystem::rename(tmp, path);
  } catch (...) {
    std::error_code ec;
    std::filesystem::remove(tmp, ec);
    throw;
  }
}

RgbImage read_png(const std::string& path) {
  auto io = itk::PNGImageIO::New();
  if (!io->CanReadFile(path.c_str())) throw input_error(path, "not a PNG file");
  io->SetFileName(path);
  try {
    io->ReadImageInformation();
  } catch (const itk::ExceptionObject& e) {
    throw input_error(path, "cannot read the PNG header: " + detail::one_line(e));
  }
  const unsigned comps = io->GetNumberOfComponents();
  if (io->GetNumberOfDimensions() != 2 || io->GetComponentType() != itk::IOComponentEnum::UCHAR ||
      (comps != 1 && comps != 3))
    throw input_error(path, "expected an 8-bit RGB or grey 2D PNG");
  RgbImage image(static_cast<int64_t>(io->GetDimensions(0)), static_cast<int64_t>(io->GetDimensions(1)));
  std::vector<std::uint8_t> buffer(static_cast<size_t>(image.width * image.height) * comps);
  itk::ImageIORegion region(2);
  for (unsigned a = 0; a < 2; ++a) region.SetSize(a, io->GetDimensions(a));
  io->SetIORegion(region);
  try {
    io->Read(buffer.data());
  } catch (const itk::ExceptionObject& e) {
    throw input_error(path, "cannot read the PNG pixels: " + detail::one_line(e));
  }
  for (size_t i = 0; i < static_cast<size_t>(image.width * image.height); ++i)
    for (unsigned c = 0; c < 3; ++c) image.rgb[i * 3 + c] = buffer[i * comps + (comps == 3 ? c : 0)];
  return image;
}

}  // namespace labkit::imageio
