// One input file -> validated conformers in the internal units (eV, Angstrom, eV/Angstrom, float32
// arrays), whatever the format. Holds the unit decision and every per-record check.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "readers.h"

namespace labkit::qo2mol_pack {

struct PackedConformer {
  std::string molecule_key, conformer_id, record;
  std::vector<std::uint8_t> z;
  std::vector<float> positions;  // N*3 Angstrom
  std::vector<float> forces;     // N*3 eV/Angstrom (zeros when has_forces is false)
  std::vector<std::int8_t> formal_charges;  // N (zeros when the input has none)
  double energy = 0.0;           // eV
  double net_charge = 0.0;
  bool has_forces = false;
};

struct InputOptions {
  ReaderOptions reader;
  // Defaults: settings.cpp default_config() ("pack.*"); tests take them from there too.
  std::string energy_unit;           // auto: what the file states, else detected from the energies
  std::string length_unit;           // overrides what the file states
  std::string force_unit;            // overrides what every file states ("" -> the file's, see read_input)
  std::string force_length;          // forces are <energy unit>/this where the file states no force unit
  bool unit_check = true;            // off for semi-empirical or relative energies (no free-atom scale)
  bool geometry_only = false;        // energies and forces are not read: energy NaN ("none"), no forces
  std::vector<int> elements;         // the declared element set; empty = any element
  int detect_records = 256;          // conformers looked at before deciding the unit
};

struct InputReport {
  std::string path, format, energy_unit, energy_unit_basis, length_unit, force_unit, force_unit_basis;  // force unit "" when no conformer has forces
  double median_ratio = 0.0;  // E / sum(free-atom energies in Ha) over the detection records
  std::int64_t conformers = 0;
};

InputReport read_input(const std::string& path, const InputOptions& opt,
                       const std::function<void(PackedConformer&&)>& sink);

// The QO2Mol element set {H, C, N, O, F, P, S, Cl, Br, I} (reference note); "qo2mol" in --elements.
std::vector<int> parse_element_set(const std::string& text);

}  // namespace labkit::qo2mol_pack
