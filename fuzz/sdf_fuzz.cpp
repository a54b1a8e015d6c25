// qo2mol-pack's SDF / MOL V2000 reader.
#include "harness.h"
#include "readers.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = labkit::fuzz::write_input(data, size, "input.sdf");
  labkit::fuzz::expect_input_error_only([&] {
    labkit::qo2mol_pack::SourceUnits units;
    labkit::qo2mol_pack::read_sdf(path, {}, units, [](labkit::qo2mol_pack::Conformer&&) {});
  });
  return 0;
}
