#include "shard_writer.h"

#include "labkit/molpack/h5_util.h"
#include "labkit/molpack/layout.h"

namespace labkit::qo2mol {
using namespace molpack;  // the file layout, its HDF5 helpers and the reader (libs/molpack)


// The appendable datasets, kept apart from the file so they can be closed before the rename: HDF5
// keeps a file open (and unflushed) while any of its datasets is.
struct Streams {
  AppendableDataset z, pos, forces, formal, energy, charge, has_forces, molecule, offset, source;
  AppendableStrings ids;
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
        ids(file.handle(), layout::kConfId, hs(o.conformer_chunk)) {}
  static hsize_t hs(std::int64_t v) { return static_cast<hsize_t>(v); }
};

struct ShardWriter::Impl {
  H5File file;
  std::unique_ptr<Streams> s;
  Impl(H5File f, const StorageOptions& o) : file(std::move(f)), s(std::make_unique<Streams>(file, o)) {}
  ~Impl() { s.reset(); }  // datasets before the file
};

ShardWriter::ShardWriter(const std::string& path, const StorageOptions& opt)
    : impl_(std::make_unique<Impl>(H5File::create(path), opt)) {
  const std::int64_t zero = 0;
  impl_->s->offset.append(&zero, 1);
}

ShardWriter::~ShardWriter() = default;  // an unfinished H5File removes its temporary file

void ShardWriter::add(const PackedConformer& c, std::int64_t molecule, std::int32_t source) {
  auto& m = *impl_->s;
  const hsize_t n = c.z.size();
  m.z.append(c.z.data(), n);
  m.pos.append(c.positions.data(), n);
  m.forces.append(c.forces.data(), n);
  m.formal.append(c.formal_charges.data(), n);
  m.energy.append(&c.energy, 1);
  const float q = static_cast<float>(c.net_charge);
  m.charge.append(&q, 1);
  const std::uint8_t hf = c.has_forces ? 1 : 0;
  m.has_forces.append(&hf, 1);
  m.molecule.append(&molecule, 1);
  m.source.append(&source, 1);
  atoms_ += static_cast<std::int64_t>(n);
  m.offset.append(&atoms_, 1);
  m.ids.append(c.conformer_id);
  ++conformers_;
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

void ShardWriter::finish(const std::vector<MoleculeRow>& molecules, const nlohmann::json& root_attrs) {
  auto& m = *impl_;
  {
    auto& st = *m.s;
    for (auto* d : {&st.z, &st.pos, &st.forces, &st.formal, &st.energy, &st.charge, &st.has_forces, &st.molecule, &st.offset, &st.source})
      d->flush();
    st.ids.flush();
    m.s.reset();  // close the datasets now so commit() closes the file for real before renaming it
  }
  auto& h = m.file.handle();
  std::vector<std::string> keys, formulas;
  std::vector<std::int32_t> heavy;
  std::vector<std::int64_t> conf_offset{0}, grouped;
  for (const auto& row : molecules) {
    keys.push_back(row.key);
    formulas.push_back(row.formula);
    heavy.push_back(row.heavy_atoms);
    grouped.insert(grouped.end(), row.conformers.begin(), row.conformers.end());
    conf_offset.push_back(static_cast<std::int64_t>(grouped.size()));
  }
  write_strings(h, layout::kMolKey, keys);
  write_strings(h, layout::kMolFormula, formulas);
  const auto M = static_cast<std::int64_t>(molecules.size());
  write_vector(h, layout::kMolHeavy, heavy);
  write_vector(h, layout::kMolConfOffset, conf_offset);
  write_vector(h, layout::kMolConformers, grouped);
  set_units_attr(m.file, layout::kPositions, "Ang");
  set_units_attr(m.file, layout::kForces, "eV/Ang");
  set_units_attr(m.file, layout::kEnergy, "eV");
  set_units_attr(m.file, layout::kNetCharge, "e");
  set_units_attr(m.file, layout::kZ, "1");
  set_units_attr(m.file, layout::kFormalCharge, "e");
  // Counts and row numbers are dimensionless; every numeric dataset says so explicitly.
  for (const char* name : {layout::kAtomOffset, layout::kHasForces, layout::kConfMolecule, layout::kConfSource,
                           layout::kMolHeavy, layout::kMolConfOffset, layout::kMolConformers})
    set_units_attr(m.file, name, "1");
  nlohmann::json attrs = root_attrs;
  attrs["n_conformers"] = conformers_;
  attrs["n_atoms"] = atoms_;
  attrs["n_molecules"] = M;
  write_root_attributes(m.file, attrs);
  m.file.commit();
}

}  // namespace labkit::qo2mol
