// qo2mol-pack's QO2Mol pickle reader: the pickle VM (pickle.cpp) and the record conversion after it.
#include "harness.h"
#include "readers.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = labkit::fuzz::write_input(data, size, "input.pkl");
  labkit::fuzz::expect_input_error_only([&] {
    labkit::qo2mol_pack::SourceUnits units;
    labkit::qo2mol_pack::read_qo2mol_pickle(path, {}, units, [](labkit::qo2mol_pack::Conformer&&) {});
  });
  return 0;
}
