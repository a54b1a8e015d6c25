// Reading a packed molpack dataset (as qo2mol-pack writes it) from C++: a training loop, verify, export.
//
//   labkit::molpack::DatasetReader ds("packed/index.h5");
//   labkit::molpack::ConformerRecord rec;
//   ds.read(12345, rec);                                   // random access by global conformer number
//   auto train = ds.split_molecules("random", "train");    // molecule numbers of one split
//   auto batch = ds.batch(std::vector<int64_t>(train.begin(), train.begin() + 32));  // whole molecules
//
// Per-conformer scalars (atom offsets, energies, charges) and the index are held in memory (about 40
// bytes per conformer); atoms are read from the shards on demand through HDF5's chunk cache. One
// reader per thread/process (HDF5 handles are not shared across threads here).
// Errors: a file that is not a molpack index/shard, a conformer or molecule number out of range, an
// unknown split or label -> labkit::InputError naming the file or the value.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace labkit::molpack {

struct ConformerRecord {
  std::int64_t index = -1;     // global conformer number
  std::int64_t molecule = -1;  // global molecule number
  double energy = 0.0;         // eV
  float net_charge = 0.0f;
  bool has_forces = false;
  std::vector<std::uint8_t> z;
  std::vector<float> positions;  // N*3 Angstrom
  std::vector<float> forces;     // N*3 eV/Angstrom
};

// Several conformers flattened CSR-style, as a batch for a model.
struct ConformerBatch {
  std::vector<std::int64_t> conformers, molecule;  // per conformer
  std::vector<std::int64_t> atom_offset;           // conformers.size() + 1
  std::vector<double> energy;
  std::vector<std::uint8_t> z;
  std::vector<float> positions, forces;
};

struct MoleculeInfo {
  std::string key, formula;
  int heavy_atoms = 0;
  std::int64_t conformers = 0;
};

class DatasetReader {
 public:
  // `path` is the index file written by merge, or the directory that holds index.h5.
  // `chunk_cache_mib` is HDF5's decoded-chunk cache per dataset.
  explicit DatasetReader(const std::string& path, double chunk_cache_mib = 16.0);
  ~DatasetReader();
  DatasetReader(DatasetReader&&) noexcept;

  std::int64_t num_conformers() const;
  std::int64_t num_molecules() const;
  std::int64_t num_atoms() const;
  int num_shards() const;

  void read(std::int64_t conformer, ConformerRecord& out);
  ConformerRecord read(std::int64_t conformer);
  double energy(std::int64_t conformer) const;
  std::int64_t molecule_of(std::int64_t conformer) const;
  std::int64_t atom_count(std::int64_t conformer) const;

  MoleculeInfo molecule(std::int64_t m) const;
  std::vector<std::int64_t> molecule_conformers(std::int64_t m) const;
  // Split names: "random" (train/val/test), "ood_heavy_atoms" (train/val/test/ood) and, when the inputs
  // were QO2Mol v1.3 release files, "upstream" (train/test/ood_medium/ood_large, mixed, unlabelled).
  std::vector<std::int8_t> split_labels(const std::string& split) const;  // per molecule
  std::vector<std::int64_t> split_molecules(const std::string& split, const std::string& label) const;
  std::vector<std::int64_t> split_conformers(const std::string& split, const std::string& label) const;

  // All conformers of the given molecules, in molecule order.
  ConformerBatch batch(const std::vector<std::int64_t>& molecules);
  // The molecules of a split, shuffled with `seed` (mt19937_64), cut into groups of `per_batch`.
  std::vector<std::vector<std::int64_t>> molecule_batches(const std::string& split, const std::string& label,
                                                          std::size_t per_batch, std::uint64_t seed) const;

  // Fitted per-element reference energies (eV), empty if the index has none.
  std::vector<std::pair<int, double>> reference_energies() const;
  const std::string& index_path() const;
  std::vector<std::string> shard_paths() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace labkit::molpack
