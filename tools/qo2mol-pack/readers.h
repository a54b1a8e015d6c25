// Input readers. Each streams conformers in the file's own units to a sink and fills `units` with what
// the file states about them (before the first conformer is handed over). Bad input -> InputError
// naming the file and the record.
#pragma once

#include <functional>
#include <string>

#include "conformer.h"

namespace labkit::qo2mol_pack {

using Sink = std::function<void(Conformer&&)>;

struct ReaderOptions {
  std::string energy_key;  // property that holds the total energy ("" = the format's usual name)
  std::string forces_key;  // property that holds forces ("" = the format's usual name)

  std::string energy_key_or(const char* usual) const { return energy_key.empty() ? usual : energy_key; }
  std::string forces_key_or(const char* usual) const { return forces_key.empty() ? usual : forces_key; }
};

// QO2Mol release pickle: a list of per-conformer dicts (keys in the reference note).
void read_qo2mol_pickle(const std::string& path, const ReaderOptions& opt, SourceUnits& units, const Sink& sink);
// Extended XYZ as ASE writes it (Properties=species:S:1:pos:R:3:forces:R:3, energy=... in the comment).
void read_extxyz(const std::string& path, const ReaderOptions& opt, SourceUnits& units, const Sink& sink);
// SDF / MOL V2000 with data fields (<energy>, <forces> as 3N numbers, <InChIKey>).
void read_sdf(const std::string& path, const ReaderOptions& opt, SourceUnits& units, const Sink& sink);
// ASE SQLite database (ase.db, as schnetpack keeps them), through SQLite's C library.
void read_ase_sqlite(const std::string& path, const ReaderOptions& opt, SourceUnits& units, const Sink& sink);
// SPICE-style HDF5: one group per molecule with atomic_numbers, conformations, dft_total_energy, ...
void read_spice_hdf5(const std::string& path, const ReaderOptions& opt, SourceUnits& units, const Sink& sink);

// "pickle", "extxyz", "sdf", "ase-sqlite", "spice-hdf5" from the file name; throws InputError if unknown.
std::string format_of(const std::string& path);

}  // namespace labkit::qo2mol_pack
