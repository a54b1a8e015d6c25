#include "shard_writer.h"

#include <algorithm>
#include <filesystem>

#include "labkit/tensorio/h5_append.h"
#include "labkit/molpack/layout.h"

namespace labkit::qo2mol_pack {
using namespace tensorio;  // H5File, safetensors and dtypes (libs/tensorio)
using namespace molpack;  // the file layout and its HDF5 helpers (libs/molpack)

namespace {

// Rows of conformers/molecule read per block when building the molecule table (512 KiB), and the most
// grouped conformer numbers held at once (4 MiB); larger shards take several passes over the column.
constexpr hsize_t kReadBlock = hsize_t{1} << 16;
constexpr std::int64_t kGroupBudget = std::int64_t{1} << 19;
constexpr std::size_t kMetadataCache = std::size_t{4} << 20;

hsize_t hs(std::int64_t v) { return static_cast<hsize_t>(v); }

}  // namespace

// The appendable datasets, kept apart from the file so they can be closed before the rename: HDF5
// keeps a file open (and unflushed) while any of its datasets is.
struct Streams {
  AppendableDataset z, pos, forces, formal, energy, charge, has_forces, molecule, offset, source;
  AppendableStrings ids, mol_key, mol_formula;
  AppendableDataset mol_heavy;
  std::int64_t atoms = 0, conformers = 0, molecules = 0;
  Streams(H5File& file, const StorageOptions& o)
      : z(file.handle(), layout::kZ, H5::PredType::NATIVE_UINT8, 1, {}, hs(o.atom_chunk), o.gzip, o.shuffle),
        pos(file.handle(), layout::kPositions, H5::PredType::NATIVE_FLOAT, 4, {3}, hs(o.atom_chunk), o.gzip, o.shuffle),
        forces(file.handle(), layout::kForces, H5::PredType::NATIVE_FLOAT, 4, {3}, hs(o.atom_chunk), o.gzip, o.shuffle),
        formal(file.handle(), layout::kFormalCharge, H5::PredType::NATIVE_INT8, 1, {}, hs(o.atom_chunk), o.gzip, o.shuffle),
        energy(file.handle(), layout::kEnergy, H5::PredType::NATIVE_DOUBLE, 8, {}, hs(o.conformer_chunk), o.gzip, o.shuffle),
        charge(file.handle(), layout::kNetCharge, H5::PredType::NATIVE_FLOAT, 4, {}, hs(o.conformer_chunk), o.gzip, o.shuffle),
        has_forces(file.handle(), layout::kHasForces, H5::PredType::NATIVE_UINT8, 1, {}, hs(o.conformer_chunk), o.gzip, o.shuffle),
        molecule(file.handle(), layout::kConfMolecule, H5::PredType::NATIVE_INT64, 8, {}, hs(o.conformer_chunk), o.gzip, o.shuffle),
        offset(file.handle(), layout::kAtomOffset, H5::PredType::NATIVE_INT64, 8, {}, hs(o.conformer_chunk), o.gzip, o.shuffle),
        source(file.handle(), layout::kConfSource, H5::PredType::NATIVE_INT32, 4, {}, hs(o.conformer_chunk), o.gzip, o.shuffle),
        ids(file.handle(), layout::kConfId, hs(o.conformer_chunk)),
        mol_key(file.handle(), layout::kMolKey, hs(o.conformer_chunk)),
        mol_formula(file.handle(), layout::kMolFormula, hs(o.conformer_chunk)),
        mol_heavy(file.handle(), layout::kMolHeavy, H5::PredType::NATIVE_INT32, 4, {}, hs(o.conformer_chunk), 0, false) {
    limit_metadata_cache(file.handle(), kMetadataCache);
    const std::int64_t zero = 0;
    offset.append(&zero, 1);
  }

  // One conformer's rows: n atoms, then its per-conformer values.
  void add(const std::uint8_t* zs, const float* xyz, const float* f, const std::int8_t* formal_q, hsize_t n, double e,
           float q, std::uint8_t hf, std::int64_t mol, std::int32_t src, const std::string& id) {
    z.append(zs, n);
    pos.append(xyz, n);
    forces.append(f, n);
    formal.append(formal_q, n);
    energy.append(&e, 1);
    charge.append(&q, 1);
    has_forces.append(&hf, 1);
    molecule.append(&mol, 1);
    source.append(&src, 1);
    atoms += static_cast<std::int64_t>(n);
    offset.append(&atoms, 1);
    ids.append(id);
    ++conformers;
  }

  void add_molecule(const std::string& key, const std::string& formula, std::int32_t heavy) {
    mol_key.append(key);
    mol_formula.append(formula);
    mol_heavy.append(&heavy, 1);
    ++molecules;
  }

  void flush() {
    for (auto* d : {&z, &pos, &forces, &formal, &energy, &charge, &has_forces, &molecule, &offset, &source, &mol_heavy})
      d->flush();
    for (auto* d : {&ids, &mol_key, &mol_formula}) d->flush();
  }
};

struct ShardWriter::Impl {
  std::string path;
  StorageOptions opt;
  H5File file;
  std::unique_ptr<Streams> s;
  Impl(std::string p, const StorageOptions& o)
      : path(std::move(p)), opt(o), file(H5File::create(path)), s(std::make_unique<Streams>(file, o)) {}
  ~Impl() { s.reset(); }  // datasets before the file
};

ShardWriter::ShardWriter(const std::string& path, const StorageOptions& opt) : impl_(std::make_unique<Impl>(path, opt)) {}

ShardWriter::~ShardWriter() = default;  // an unfinished H5File removes its temporary file

void ShardWriter::abandon() noexcept {
  if (!impl_) return;
  try {
    impl_->s.reset();  // closing datasets is safe; closing the file is not
  } catch (...) {
  }
  impl_->file.abandon();
}

void ShardWriter::add(const PackedConformer& c, std::int64_t molecule, std::int32_t source) {
  impl_->s->add(c.z.data(), c.positions.data(), c.forces.data(), c.formal_charges.data(), c.z.size(), c.energy,
                static_cast<float>(c.net_charge), c.has_forces ? 1 : 0, molecule, source, c.conformer_id);
  atoms_ = impl_->s->atoms;
  conformers_ = impl_->s->conformers;
}

void ShardWriter::add_molecule(const std::string& key, const std::string& formula, std::int32_t heavy_atoms) {
  impl_->s->add_molecule(key, formula, heavy_atoms);
  molecules_ = impl_->s->molecules;
}

std::string ShardWriter::molecule_formula(std::int64_t row) {
  impl_->s->mol_formula.flush();
  return read_strings(impl_->file.handle(), layout::kMolFormula, hs(row), 1).at(0);
}

void write_root_attributes(H5File& file, const nlohmann::json& attrs) {
  for (auto it = attrs.begin(); it != attrs.end(); ++it) {
    const auto& v = it.value();
    if (v.is_string()) set_attribute(file, "/", it.key(), v.get<std::string>());
    else if (v.is_number_integer()) set_attribute(file, "/", it.key(), v.get<std::int64_t>());
    else if (v.is_number()) set_attribute(file, "/", it.key(), v.get<double>());
    else set_attribute(file, "/", it.key(), v.dump());
  }
}

namespace {

template <class T>
std::vector<T> rows(H5File& f, const char* name, std::int64_t begin, std::int64_t count, std::int64_t inner = 0) {
  if (inner) return read_slab<T>(f, name, {begin, 0}, {count, inner});
  return read_slab<T>(f, name, {begin}, {count});
}

// Copies every conformer of `from` except those in `drop` (sorted), and every molecule row, into `to`,
// a block at a time, so memory stays at one block whatever the shard size.
void copy_without(H5File& from, std::int64_t conformers, std::int64_t molecules, const std::vector<std::int64_t>& drop,
                  Streams& to, std::int64_t block) {
  for (std::int64_t m0 = 0; m0 < molecules; m0 += block) {
    const std::int64_t n = std::min(block, molecules - m0);
    const auto keys = read_strings(from.handle(), layout::kMolKey, hs(m0), hs(n));
    const auto formulas = read_strings(from.handle(), layout::kMolFormula, hs(m0), hs(n));
    const auto heavy = rows<std::int32_t>(from, layout::kMolHeavy, m0, n);
    for (std::size_t k = 0; k < keys.size(); ++k) to.add_molecule(keys[k], formulas[k], heavy[k]);
  }
  auto next_drop = drop.begin();
  for (std::int64_t c0 = 0; c0 < conformers; c0 += block) {
    const std::int64_t n = std::min(block, conformers - c0);
    const auto off = rows<std::int64_t>(from, layout::kAtomOffset, c0, n + 1);
    const std::int64_t a0 = off.front(), na = off.back() - off.front();
    const auto z = rows<std::uint8_t>(from, layout::kZ, a0, na);
    const auto pos = rows<float>(from, layout::kPositions, a0, na, 3);
    const auto forces = rows<float>(from, layout::kForces, a0, na, 3);
    const auto formal = rows<std::int8_t>(from, layout::kFormalCharge, a0, na);
    const auto energy = rows<double>(from, layout::kEnergy, c0, n);
    const auto charge = rows<float>(from, layout::kNetCharge, c0, n);
    const auto hf = rows<std::uint8_t>(from, layout::kHasForces, c0, n);
    const auto mol = rows<std::int64_t>(from, layout::kConfMolecule, c0, n);
    const auto src = rows<std::int32_t>(from, layout::kConfSource, c0, n);
    const auto ids = read_strings(from.handle(), layout::kConfId, hs(c0), hs(n));
    for (std::int64_t k = 0; k < n; ++k) {
      if (next_drop != drop.end() && *next_drop == c0 + k) {
        ++next_drop;
        continue;
      }
      const auto i = static_cast<std::size_t>(k);
      const auto a = static_cast<std::size_t>(off[i] - a0);
      to.add(z.data() + a, pos.data() + 3 * a, forces.data() + 3 * a, formal.data() + a, hs(off[i + 1] - off[i]),
             energy[i], charge[i], hf[i], mol[i], src[i], ids[i]);
    }
  }
}

// molecules/conformer_offset and molecules/conformers (each molecule's conformers, ascending) from the
// conformers/molecule column: a counting pass, then as many passes as it takes to fill the grouped
// list kGroupBudget entries at a time, each written straight to its slice of the dataset.
void write_grouped_conformers(H5File& f, std::size_t molecules, std::int64_t conformers) {
  std::vector<std::int64_t> offset(molecules + 1, 0);
  auto scan = [&](auto&& fn) {
    for (std::int64_t c0 = 0; c0 < conformers; c0 += static_cast<std::int64_t>(kReadBlock)) {
      const std::int64_t n = std::min(static_cast<std::int64_t>(kReadBlock), conformers - c0);
      const auto mol = rows<std::int64_t>(f, layout::kConfMolecule, c0, n);
      for (std::int64_t k = 0; k < n; ++k) fn(c0 + k, mol[static_cast<std::size_t>(k)]);
    }
  };
  scan([&](std::int64_t, std::int64_t m) {
    if (m < 0 || static_cast<std::size_t>(m) >= molecules) throw std::logic_error("molecule row out of range");
    ++offset[static_cast<std::size_t>(m) + 1];
  });
  for (std::size_t m = 0; m < molecules; ++m) offset[m + 1] += offset[m];
  write_vector(f.handle(), layout::kMolConfOffset, offset);

  make_parent_groups(f.handle(), layout::kMolConformers);
  hsize_t total = hs(conformers);
  H5::DataSpace space(1, &total);
  H5::DataSet ds = f.handle().createDataSet(layout::kMolConformers, H5::PredType::NATIVE_INT64, space, untimed_dcpl());
  std::vector<std::int64_t> cursor(molecules), grouped;
  for (std::size_t m0 = 0; m0 < molecules;) {
    std::size_t m1 = m0 + 1;  // at least one molecule per pass, however many conformers it has
    while (m1 < molecules && offset[m1 + 1] - offset[m0] <= kGroupBudget) ++m1;
    const std::int64_t base = offset[m0];
    grouped.assign(static_cast<std::size_t>(offset[m1] - base), 0);
    std::copy(offset.begin() + static_cast<std::ptrdiff_t>(m0), offset.begin() + static_cast<std::ptrdiff_t>(m1),
              cursor.begin() + static_cast<std::ptrdiff_t>(m0));
    scan([&](std::int64_t c, std::int64_t m) {
      const auto mu = static_cast<std::size_t>(m);
      if (mu >= m0 && mu < m1) grouped[static_cast<std::size_t>(cursor[mu]++ - base)] = c;
    });
    hsize_t start = hs(base), count = grouped.size();
    if (count) {
      H5::DataSpace file_space = ds.getSpace();
      file_space.selectHyperslab(H5S_SELECT_SET, &count, &start);
      H5::DataSpace mem(1, &count);
      ds.write(grouped.data(), H5::PredType::NATIVE_INT64, mem, file_space);
    }
    m0 = m1;
  }
}

}  // namespace

void ShardWriter::finish(const nlohmann::json& root_attrs, const std::vector<std::int64_t>& drop) {
  auto& m = *impl_;
  m.s->flush();
  m.s.reset();  // close the datasets now so commit() closes the file for real before renaming it
  H5File* out = &m.file;
  std::unique_ptr<H5File> compacted;
  std::string compacted_path;
  if (!drop.empty()) {
    // Written under a hidden name, then renamed over the shard name once complete.
    const std::filesystem::path p(m.path);
    compacted_path = (p.parent_path() / ("." + p.filename().string() + ".dedup")).string();
    compacted = std::make_unique<H5File>(H5File::create(compacted_path));
    Streams to(*compacted, m.opt);
    copy_without(m.file, conformers_, molecules_, drop, to, std::max<std::int64_t>(m.opt.conformer_chunk, 1));
    to.flush();
    conformers_ = to.conformers;
    atoms_ = to.atoms;
    out = compacted.get();
  }
  H5File& f = *out;
  write_grouped_conformers(f, static_cast<std::size_t>(molecules_), conformers_);
  set_units(f, layout::kPositions, "Ang");
  set_units(f, layout::kForces, "eV/Ang");
  set_units(f, layout::kEnergy, "eV");
  set_units(f, layout::kNetCharge, "e");
  set_units(f, layout::kZ, "1");
  set_units(f, layout::kFormalCharge, "e");
  // Counts and row numbers are dimensionless; every numeric dataset says so explicitly.
  for (const char* name : {layout::kAtomOffset, layout::kHasForces, layout::kConfMolecule, layout::kConfSource,
                           layout::kMolHeavy, layout::kMolConfOffset, layout::kMolConformers})
    set_units(f, name, "1");
  nlohmann::json attrs = root_attrs;
  attrs["n_conformers"] = conformers_;
  attrs["n_atoms"] = atoms_;
  attrs["n_molecules"] = molecules_;
  write_root_attributes(f, attrs);
  f.commit();
  if (compacted) std::filesystem::rename(compacted_path, m.path);  // the full file is discarded with Impl
}

}  // namespace labkit::qo2mol_pack
