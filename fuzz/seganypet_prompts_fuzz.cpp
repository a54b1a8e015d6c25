// seganypet-infer's click prompts: the --prompts JSON targets file, and the first line as a --point
// "x,y,z[,label]", against a fixed 32x32x16 image with 2x2x3 mm voxels.
#include "harness.h"
#include "prompts.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace si = labkit::seganypet_infer;
  labkit::imageio::Geometry g;
  g.size = {32, 32, 16};
  g.spacing = {2.0, 2.0, 3.0};
  g.origin = {-31.0, 12.5, -20.0};
  const std::string path = labkit::fuzz::write_input(data, size, "prompts.json");
  labkit::fuzz::expect_input_error_only([&] { si::read_targets(path, g); });
  const std::string_view text = labkit::fuzz::as_text(data, size);
  const std::string first_line(text.substr(0, text.find('\n')));
  for (auto coords : {si::Coords::kVoxel, si::Coords::kLps, si::Coords::kRas})
    labkit::fuzz::expect_input_error_only([&] { si::parse_point(first_line, coords, g, "--point"); });
  return 0;
}
