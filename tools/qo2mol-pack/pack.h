// The pack verb: read every input, keep the conformers whose molecule falls in this shard, drop or keep
// duplicates, stream them into one shard file. Molecules go to shards by a hash of their key, so every
// conformer of a molecule lands in the same shard whatever file it came from.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "input.h"
#include "labkit/core/shard.h"
#include "shard_writer.h"

namespace labkit::qo2mol_pack {

// Built by Settings::from_config (settings.cpp holds the defaults; none are restated here).
struct PackOptions {
  std::vector<std::string> inputs;
  InputOptions input;
  StorageOptions storage;
  std::string duplicates;            // drop | keep | error
  double duplicate_tolerance{};       // Angstrom
  bool check_md5{};                   // inputs named like QO2Mol release files must match the published MD5
  Shard shard;
};

// Shard file name inside the output directory: shard-00001-of-00004.h5
std::string shard_file_name(const Shard& shard);
// Which shard a molecule belongs to.
int shard_of(const std::string& molecule_key, int shard_count);

// Packs into `shard_path` (refuses to replace an existing file unless `overwrite`); returns metrics.
nlohmann::json pack(const PackOptions& opt, const std::string& shard_path, bool overwrite);

// Peak resident memory of this process in MiB (VmHWM), 0 if unknown.
double peak_rss_mib();

}  // namespace labkit::qo2mol_pack
