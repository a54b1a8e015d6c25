// Duplicate conformers: same molecule key, same atoms in the same order, and every coordinate equal
// after rounding to a grid of `tolerance` Angstrom (one 64-bit fingerprint per conformer). Two
// conformers closer than the tolerance but on different sides of a grid line are not caught: this
// finds re-inclusions and copies, not near-duplicates.
//
// Memory stays bounded whatever the number of conformers: fingerprints (with energies) are spilled to
// a file beside the shard, and a fixed-size Bloom filter flags the conformers that *may* repeat an
// earlier one. Only those candidates are held in memory; resolve() reads the spill file once and keeps
// the ones whose fingerprint really occurred earlier. The decision therefore comes after the last
// input, and pack drops duplicates by compacting the shard (only when there are any).
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "input.h"

namespace labkit::qo2mol_pack {

class Deduplicator {
 public:
  // `spill_path`: temporary file (removed by the destructor); `bloom_bytes`: fixed filter size.
  Deduplicator(double tolerance, std::string spill_path, std::size_t bloom_bytes = std::size_t{16} << 20);
  ~Deduplicator();
  Deduplicator(const Deduplicator&) = delete;
  Deduplicator& operator=(const Deduplicator&) = delete;

  // Every conformer, in the order they are numbered (`index` = 0, 1, 2, ...). `source` and the
  // conformer's record/molecule key are kept for candidates only, for messages. Returns true if it may repeat an earlier conformer.
  bool add(const PackedConformer& c, std::int64_t index, std::int32_t source);

  struct Duplicate {
    std::int64_t index = 0, first = 0;  // this conformer and the earliest equal one
    double energy_gap = 0.0;            // |E - E_first|, eV
    std::int32_t source = 0;
    std::string record, molecule_key;
  };
  // The true duplicates, by index (a conformer equal to several earlier ones appears once). Call once,
  // after the last add(); it frees the filter.
  std::vector<Duplicate> resolve();
  std::size_t candidates() const { return candidates_.size(); }
  std::uint64_t fingerprint(const PackedConformer& c) const;

 private:
  struct Spilled {
    std::uint64_t fp;
    double energy;
  };
  struct Candidate {
    std::int64_t index;
    std::uint64_t fp;
    double energy;
    std::int32_t source;
    std::string record, molecule_key;
  };
  void flush_spill();

  double tol_;
  std::string spill_path_;
  std::FILE* spill_ = nullptr;
  std::vector<Spilled> buffer_;         // spill records not yet written (bounded)
  std::vector<std::uint64_t> bloom_;    // bloom_bytes / 8 words
  std::vector<Candidate> candidates_;
  std::int64_t count_ = 0;
};

}  // namespace labkit::qo2mol_pack
