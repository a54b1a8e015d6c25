// qo2mol-pack's extended XYZ reader.
#include "harness.h"
#include "readers.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = labkit::fuzz::write_input(data, size, "input.xyz");
  labkit::fuzz::expect_input_error_only([&] {
    labkit::qo2mol_pack::SourceUnits units;
    labkit::qo2mol_pack::read_extxyz(path, {}, units, [](labkit::qo2mol_pack::Conformer&&) {});
  });
  return 0;
}
