#include "labkit/molpack/dataset_reader.h"

#include <H5Cpp.h>

#include <algorithm>
#include <filesystem>
#include <random>

#include "labkit/core/error.h"
#include "labkit/tensorio/h5_append.h"
#include "labkit/molpack/layout.h"
#include "labkit/tensorio/h5.h"

namespace labkit::molpack {
using namespace tensorio;  // H5File, safetensors and dtypes (libs/tensorio)
namespace fs = std::filesystem;

namespace {

// One shard: datasets kept open, per-conformer scalars in memory. Hot path uses the HDF5 C API with
// reused dataspaces: a conformer costs three hyperslab reads served from the chunk cache.
struct ShardHandle {
  hid_t file = -1, z = -1, pos = -1, forces = -1;
  hid_t z_space = -1, pos_space = -1, forces_space = -1;
  std::vector<std::int64_t> atom_offset;
  std::vector<double> energy;
  std::vector<float> charge;
  std::vector<std::uint8_t> has_forces;

  ShardHandle() = default;
  ShardHandle(const ShardHandle&) = delete;
  ~ShardHandle() {
    for (hid_t s : {z_space, pos_space, forces_space})
      if (s >= 0) H5Sclose(s);
    for (hid_t d : {z, pos, forces})
      if (d >= 0) H5Dclose(d);
    if (file >= 0) H5Fclose(file);
  }
};

template <class T>
std::vector<T> read_all(H5File& f, const char* name) {
  return read_array<T>(f, name);
}

void read_rows(hid_t ds, hid_t space, hid_t type, hsize_t begin, hsize_t n, hsize_t inner, void* out,
               const std::string& path) {
  if (n == 0) return;
  hsize_t off[2] = {begin, 0}, cnt[2] = {n, inner};
  const int rank = inner ? 2 : 1;
  H5Sselect_hyperslab(space, H5S_SELECT_SET, off, nullptr, cnt, nullptr);
  hid_t mem = H5Screate_simple(rank, cnt, nullptr);
  const herr_t rc = H5Dread(ds, type, mem, space, H5P_DEFAULT, out);
  H5Sclose(mem);
  if (rc < 0) throw std::runtime_error(path + ": HDF5 read failed");
}

}  // namespace

struct DatasetReader::Impl {
  std::string index_path, dir;
  std::vector<std::string> shard_files;
  std::vector<std::int64_t> shard_conf_offset;
  std::vector<std::unique_ptr<ShardHandle>> shards;
  std::vector<std::string> keys, formulas;
  std::vector<std::int32_t> heavy;
  std::vector<std::int64_t> mol_conf_offset, mol_conformers, conf_molecule;
  std::vector<std::int8_t> split_random, split_ood, split_upstream;
  std::vector<std::int32_t> ref_z;
  std::vector<double> ref_e;
  std::int64_t atoms = 0;

  std::pair<const ShardHandle*, std::int64_t> locate(std::int64_t g) const {
    if (g < 0 || g >= shard_conf_offset.back())
      throw InputError(index_path + ": conformer " + std::to_string(g) + " out of range [0, " +
                       std::to_string(shard_conf_offset.back()) + ")");
    const auto it = std::upper_bound(shard_conf_offset.begin(), shard_conf_offset.end(), g);
    const auto s = static_cast<std::size_t>(it - shard_conf_offset.begin() - 1);
    return {shards[s].get(), g - shard_conf_offset[s]};
  }
};

DatasetReader::DatasetReader(const std::string& path, double chunk_cache_mib) : impl_(std::make_unique<Impl>()) {
  auto& m = *impl_;
  m.index_path = fs::is_directory(path) ? (fs::path(path) / "index.h5").string() : path;
  m.dir = fs::path(m.index_path).parent_path().string();
  {
    H5File idx = H5File::open_read(m.index_path);
    const auto fmt = attribute_string(idx, "/", "format");
    if (!fmt || *fmt != layout::kIndexFormat)
      throw input_error(m.index_path, "not a qo2mol-pack index (root attribute format is missing or differs)");
    auto& h = idx.handle();
    try {
      m.shard_files = read_strings(h, layout::kShardFile);
      m.keys = read_strings(h, layout::kMolKey);
      m.formulas = read_strings(h, layout::kMolFormula);
    } catch (const H5::Exception& e) {
      throw input_error(m.index_path, "cannot read string tables: " + e.getDetailMsg());
    }
    m.shard_conf_offset = read_all<std::int64_t>(idx, layout::kShardConfOffset);
    m.heavy = read_all<std::int32_t>(idx, layout::kMolHeavy);
    m.mol_conf_offset = read_all<std::int64_t>(idx, layout::kMolConfOffset);
    m.mol_conformers = read_all<std::int64_t>(idx, layout::kMolConformers);
    m.conf_molecule = read_all<std::int64_t>(idx, layout::kConfMolecule);
    m.split_random = read_all<std::int8_t>(idx, layout::kSplitRandom);
    m.split_ood = read_all<std::int8_t>(idx, layout::kSplitOod);
    if (h.nameExists(layout::kSplitUpstream)) m.split_upstream = read_all<std::int8_t>(idx, layout::kSplitUpstream);
    if (h.nameExists("reference_energy")) {
      m.ref_z = read_all<std::int32_t>(idx, layout::kRefZ);
      m.ref_e = read_all<double>(idx, layout::kRefEnergy);
    }
  }
  H5::Exception::dontPrint();
  for (const auto& f : m.shard_files) {
    const std::string p = (fs::path(m.dir) / f).string();
    auto sh = std::make_unique<ShardHandle>();
    {
      H5File shard = H5File::open_read(p);
      sh->atom_offset = read_all<std::int64_t>(shard, layout::kAtomOffset);
      sh->energy = read_all<double>(shard, layout::kEnergy);
      sh->charge = read_all<float>(shard, layout::kNetCharge);
      sh->has_forces = read_all<std::uint8_t>(shard, layout::kHasForces);
    }
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    sh->file = H5Fopen(p.c_str(), H5F_ACC_RDONLY, fapl);
    H5Pclose(fapl);
    if (sh->file < 0) throw input_error(p, "cannot open shard");
    hid_t dapl = H5Pcreate(H5P_DATASET_ACCESS);
    H5Pset_chunk_cache(dapl, 12421, static_cast<size_t>(chunk_cache_mib * 1024 * 1024), 1.0);
    sh->z = H5Dopen2(sh->file, layout::kZ, dapl);
    sh->pos = H5Dopen2(sh->file, layout::kPositions, dapl);
    sh->forces = H5Dopen2(sh->file, layout::kForces, dapl);
    H5Pclose(dapl);
    if (sh->z < 0 || sh->pos < 0 || sh->forces < 0) throw input_error(p, "shard lacks atom datasets");
    sh->z_space = H5Dget_space(sh->z);
    sh->pos_space = H5Dget_space(sh->pos);
    sh->forces_space = H5Dget_space(sh->forces);
    m.atoms += sh->atom_offset.empty() ? 0 : sh->atom_offset.back();
    m.shards.push_back(std::move(sh));
  }
}

DatasetReader::~DatasetReader() = default;
DatasetReader::DatasetReader(DatasetReader&&) noexcept = default;

std::int64_t DatasetReader::num_conformers() const { return impl_->shard_conf_offset.back(); }
std::int64_t DatasetReader::num_molecules() const { return static_cast<std::int64_t>(impl_->keys.size()); }
std::int64_t DatasetReader::num_atoms() const { return impl_->atoms; }
int DatasetReader::num_shards() const { return static_cast<int>(impl_->shards.size()); }
const std::string& DatasetReader::index_path() const { return impl_->index_path; }

std::vector<std::string> DatasetReader::shard_paths() const {
  std::vector<std::string> out;
  for (const auto& f : impl_->shard_files) out.push_back((fs::path(impl_->dir) / f).string());
  return out;
}

void DatasetReader::read(std::int64_t g, ConformerRecord& out) {
  const auto [sh, local] = impl_->locate(g);
  const auto l = static_cast<std::size_t>(local);
  const auto begin = static_cast<hsize_t>(sh->atom_offset[l]);
  const auto n = static_cast<hsize_t>(sh->atom_offset[l + 1]) - begin;
  out.index = g;
  out.molecule = impl_->conf_molecule[static_cast<std::size_t>(g)];
  out.energy = sh->energy[l];
  out.net_charge = sh->charge[l];
  out.has_forces = sh->has_forces[l] != 0;
  out.z.resize(n);
  out.positions.resize(3 * n);
  out.forces.resize(3 * n);
  const std::string& p = impl_->index_path;
  read_rows(sh->z, sh->z_space, H5T_NATIVE_UINT8, begin, n, 0, out.z.data(), p);
  read_rows(sh->pos, sh->pos_space, H5T_NATIVE_FLOAT, begin, n, 3, out.positions.data(), p);
  read_rows(sh->forces, sh->forces_space, H5T_NATIVE_FLOAT, begin, n, 3, out.forces.data(), p);
}

ConformerRecord DatasetReader::read(std::int64_t g) {
  ConformerRecord r;
  read(g, r);
  return r;
}

double DatasetReader::energy(std::int64_t g) const {
  const auto [sh, local] = impl_->locate(g);
  return sh->energy[static_cast<std::size_t>(local)];
}

std::int64_t DatasetReader::molecule_of(std::int64_t g) const {
  impl_->locate(g);
  return impl_->conf_molecule[static_cast<std::size_t>(g)];
}

std::int64_t DatasetReader::atom_count(std::int64_t g) const {
  const auto [sh, local] = impl_->locate(g);
  const auto l = static_cast<std::size_t>(local);
  return sh->atom_offset[l + 1] - sh->atom_offset[l];
}

MoleculeInfo DatasetReader::molecule(std::int64_t mol) const {
  const auto& m = *impl_;
  if (mol < 0 || mol >= num_molecules()) throw InputError("molecule " + std::to_string(mol) + " out of range");
  const auto k = static_cast<std::size_t>(mol);
  return {m.keys[k], m.formulas[k], m.heavy[k], m.mol_conf_offset[k + 1] - m.mol_conf_offset[k]};
}

std::vector<std::int64_t> DatasetReader::molecule_conformers(std::int64_t mol) const {
  const auto& m = *impl_;
  if (mol < 0 || mol >= num_molecules()) throw InputError("molecule " + std::to_string(mol) + " out of range");
  const auto k = static_cast<std::size_t>(mol);
  return {m.mol_conformers.begin() + m.mol_conf_offset[k], m.mol_conformers.begin() + m.mol_conf_offset[k + 1]};
}

std::vector<std::int8_t> DatasetReader::split_labels(const std::string& split) const {
  if (split == "random") return impl_->split_random;
  if (split == "ood_heavy_atoms" || split == "ood") return impl_->split_ood;
  if (split == "upstream" && !impl_->split_upstream.empty()) return impl_->split_upstream;
  throw InputError("unknown split '" + split + "' (random, ood_heavy_atoms, and upstream when the inputs were "
                   "QO2Mol26_* release files)");
}

std::vector<std::int64_t> DatasetReader::split_molecules(const std::string& split, const std::string& label) const {
  const int want = split_label_from_name(label);
  if (want == -100)
    throw InputError("unknown split label '" + label + "' (train, val, test, ood, ood_medium, ood_large, unlabelled, mixed)");
  const auto labels = split_labels(split);
  std::vector<std::int64_t> out;
  for (std::size_t k = 0; k < labels.size(); ++k)
    if (labels[k] == want) out.push_back(static_cast<std::int64_t>(k));
  return out;
}

std::vector<std::int64_t> DatasetReader::split_conformers(const std::string& split, const std::string& label) const {
  std::vector<std::int64_t> out;
  for (auto mol : split_molecules(split, label)) {
    auto c = molecule_conformers(mol);
    out.insert(out.end(), c.begin(), c.end());
  }
  std::sort(out.begin(), out.end());
  return out;
}

ConformerBatch DatasetReader::batch(const std::vector<std::int64_t>& molecules) {
  ConformerBatch b;
  b.atom_offset.push_back(0);
  ConformerRecord r;
  for (auto mol : molecules)
    for (auto g : molecule_conformers(mol)) {
      read(g, r);
      b.conformers.push_back(g);
      b.molecule.push_back(mol);
      b.energy.push_back(r.energy);
      b.z.insert(b.z.end(), r.z.begin(), r.z.end());
      b.positions.insert(b.positions.end(), r.positions.begin(), r.positions.end());
      b.forces.insert(b.forces.end(), r.forces.begin(), r.forces.end());
      b.atom_offset.push_back(static_cast<std::int64_t>(b.z.size()));
    }
  return b;
}

std::vector<std::vector<std::int64_t>> DatasetReader::molecule_batches(const std::string& split,
                                                                       const std::string& label,
                                                                       std::size_t per_batch,
                                                                       std::uint64_t seed) const {
  if (per_batch == 0) throw InputError("molecules per batch must be positive");
  auto mols = split_molecules(split, label);
  std::mt19937_64 rng(seed);
  for (std::size_t i = mols.size(); i > 1; --i) std::swap(mols[i - 1], mols[static_cast<std::size_t>(rng() % i)]);
  std::vector<std::vector<std::int64_t>> out;
  for (std::size_t k = 0; k < mols.size(); k += per_batch)
    out.emplace_back(mols.begin() + static_cast<std::ptrdiff_t>(k),
                     mols.begin() + static_cast<std::ptrdiff_t>(std::min(mols.size(), k + per_batch)));
  return out;
}

std::vector<std::pair<int, double>> DatasetReader::reference_energies() const {
  std::vector<std::pair<int, double>> out;
  for (std::size_t k = 0; k < impl_->ref_z.size(); ++k) out.emplace_back(impl_->ref_z[k], impl_->ref_e[k]);
  return out;
}

}  // namespace labkit::molpack
