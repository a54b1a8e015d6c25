// qo2mol-pack's SPICE-style HDF5 reader (the bytes are the whole .h5 file, read through libhdf5).
#include "harness.h"
#include "readers.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = labkit::fuzz::write_input(data, size, "input.h5");
  labkit::fuzz::expect_input_error_only([&] {
    labkit::qo2mol_pack::SourceUnits units;
    labkit::qo2mol_pack::read_spice_hdf5(path, {}, units, [](labkit::qo2mol_pack::Conformer&&) {});
  });
  return 0;
}
