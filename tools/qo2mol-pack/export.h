// The export verb: a packed dataset (or one split of it) back to extended XYZ as ASE reads it.
// Energies are printed with 17 significant digits and float32 arrays with 9, both of which round-trip
// exactly, so pack -> export -> read reproduces every stored value bit for bit.
#pragma once

#include <cstdint>
#include <string>

#include "labkit/molpack/dataset_reader.h"

namespace labkit::qo2mol_pack {
using molpack::DatasetReader;


struct ExportOptions {
  std::string split;  // "" = all conformers
  std::string label;  // train/val/test/ood when split is set
  std::int64_t limit{};  // -1: all (default in settings.cpp)
};

std::int64_t export_extxyz(DatasetReader& ds, const std::string& out_path, const ExportOptions& opt);

}  // namespace labkit::qo2mol_pack
