// The molpack file layout (format_version 1): names in the shard and index files that qo2mol-pack
// writes and DatasetReader reads (tools/qo2mol-pack/README.md "HDF5 layout" documents them for h5py
// users), and the split labels stored per molecule in the index.
#pragma once

#include <cstdint>
#include <string>

namespace labkit::molpack {
namespace layout {

constexpr int kFormatVersion = 1;
constexpr const char* kShardFormat = "qo2mol-pack shard";
constexpr const char* kIndexFormat = "qo2mol-pack index";

// Shard: flattened per-atom arrays, per-conformer arrays with int64 offsets, a molecule table.
constexpr const char* kZ = "/atoms/atomic_numbers";        // u8  [A]
constexpr const char* kPositions = "/atoms/positions";     // f32 [A,3]  Ang
constexpr const char* kForces = "/atoms/forces";           // f32 [A,3]  eV/Ang
constexpr const char* kFormalCharge = "/atoms/formal_charge";  // i8 [A]
constexpr const char* kAtomOffset = "/conformers/atom_offset";  // i64 [C+1]
constexpr const char* kEnergy = "/conformers/energy";           // f64 [C]  eV
constexpr const char* kNetCharge = "/conformers/net_charge";    // f32 [C]  e
constexpr const char* kHasForces = "/conformers/has_forces";    // u8  [C]
constexpr const char* kConfMolecule = "/conformers/molecule";   // i64 [C]  molecule row (shard / index)
constexpr const char* kConfId = "/conformers/conformer_id";     // str [C]
constexpr const char* kConfSource = "/conformers/source";       // i32 [C]  index into root attr `sources`
constexpr const char* kMolKey = "/molecules/key";               // str [M]
constexpr const char* kMolFormula = "/molecules/formula";       // str [M]
constexpr const char* kMolHeavy = "/molecules/heavy_atoms";     // i32 [M]
constexpr const char* kMolConfOffset = "/molecules/conformer_offset";  // i64 [M+1] into kMolConformers
constexpr const char* kMolConformers = "/molecules/conformers";        // i64 [C] conformers grouped by molecule

// Index (merge): shard list with conformer offsets, the global molecule table (same names as above
// with global conformer numbers), per-conformer molecule, splits, reference energies.
constexpr const char* kShardFile = "/shards/file";                    // str [S]
constexpr const char* kShardSha256 = "/shards/sha256";                // str [S]
constexpr const char* kShardConfOffset = "/shards/conformer_offset";  // i64 [S+1]
constexpr const char* kRefZ = "/reference_energy/atomic_numbers";     // i32 [K]
constexpr const char* kRefEnergy = "/reference_energy/energy";        // f64 [K] eV per atom
constexpr const char* kSplitRandom = "/splits/random";                // i8 [M] 0 train 1 val 2 test
constexpr const char* kSplitOod = "/splits/ood_heavy_atoms";          // i8 [M] 0 train 1 val 2 test 3 ood
constexpr const char* kSplitUpstream = "/splits/upstream";            // i8 [M] from QO2Mol26_* file names

}  // namespace layout

// Values of the /splits/* datasets (one label per molecule, never per conformer).
enum SplitLabel : std::int8_t {
  kTrain = 0, kVal = 1, kTest = 2, kOod = 3,
  kOodMedium = 4, kOodLarge = 5,    // QO2Mol v1.3's own OOD files
  kUnlabelled = -1, kMixed = -2,    // upstream split: not from a labelled file / conformers in two files
};
const char* split_label_name(int label);              // "train", ..., "?" if unknown
int split_label_from_name(const std::string& name);   // -100 if unknown

}  // namespace labkit::molpack
