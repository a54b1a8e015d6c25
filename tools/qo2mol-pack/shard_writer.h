// Writes one shard file while conformers stream in; nothing is visible at `path` until finish() renames
// the completed temporary file into place, so a failed pack leaves no partial shard.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "input.h"
#include "labkit/tensorio/h5.h"

// Memory while packing does not grow with the conformer count: atoms and per-conformer values stream
// into chunked datasets (one chunk buffered per dataset), and so do the molecule table's rows; HDF5's
// metadata cache is capped.

namespace labkit::qo2mol_pack {

struct StorageOptions {
  // atom_chunk, conformer_chunk, gzip: defaults in settings.cpp (pack.*).
  std::int64_t atom_chunk{};       // rows per chunk of the per-atom arrays
  std::int64_t conformer_chunk{};  // rows per chunk of the per-conformer arrays
  int gzip{};                      // 0 = none (fastest random reads), 1..9 deflate level
  bool shuffle = true;
};

class ShardWriter {
 public:
  ShardWriter(const std::string& path, const StorageOptions& opt);
  ~ShardWriter();
  // After an HDF5 write failure: drop the temporary file without closing it through HDF5 (which can
  // crash after a failed write); the writer is unusable afterwards.
  void abandon() noexcept;
  void add(const PackedConformer& c, std::int64_t molecule, std::int32_t source);
  // Appends a row to the molecule table (rows are numbered in the order they are added).
  void add_molecule(const std::string& key, const std::string& formula, std::int32_t heavy_atoms);
  // The formula stored for row `row` (read back from the file; for error messages).
  std::string molecule_formula(std::int64_t row);
  // Drops the conformers numbered in `drop` (sorted, shard-local; duplicates found after the fact) by
  // copying the rest into a fresh file a block at a time, writes the molecule table and root
  // attributes, then renames the file into place. conformers()/atoms() then count what was kept.
  // Each molecule's conformer list is built here from the written conformers/molecule column, in
  // bounded passes, so nothing per conformer is held while packing.
  void finish(const nlohmann::json& root_attrs, const std::vector<std::int64_t>& drop = {});
  std::int64_t conformers() const { return conformers_; }
  std::int64_t atoms() const { return atoms_; }
  std::int64_t molecules() const { return molecules_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::int64_t conformers_ = 0, atoms_ = 0, molecules_ = 0;
};

// Shared by merge and the reader: root attributes every shard/index carries.
void write_root_attributes(tensorio::H5File& file, const nlohmann::json& attrs);

}  // namespace labkit::qo2mol_pack
