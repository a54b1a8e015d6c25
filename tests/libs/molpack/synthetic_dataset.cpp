#include "synthetic_dataset.h"

#include <filesystem>

#include "labkit/tensorio/h5_append.h"
#include "labkit/molpack/layout.h"
#include "labkit/tensorio/h5.h"
#include "temp_dir.h"

namespace molpack_test {
namespace fs = std::filesystem;
namespace layout = labkit::molpack::layout;
using labkit::tensorio::H5File;

namespace {

template <class T>
void put(H5File& f, const std::string& name, const std::vector<T>& v, std::vector<std::int64_t> shape,
         std::int64_t chunk) {
  labkit::tensorio::DatasetOptions o;
  o.gzip = 0;
  if (chunk > 0 && !v.empty()) {
    o.chunk = {static_cast<hsize_t>(std::min<std::int64_t>(chunk, shape[0]))};
    for (std::size_t k = 1; k < shape.size(); ++k) o.chunk.push_back(static_cast<hsize_t>(shape[k]));
  }
  labkit::tensorio::write_array(f, name, v, shape, o);
}

}  // namespace

Synthetic write_synthetic(const std::string& tag, std::int64_t atom_chunk) {
  Synthetic s;
  s.dir = labkit::test::fresh_temp_dir("molpack_" + tag);
  const int M = 5;
  for (int m = 0; m < M; ++m) {
    s.keys.push_back("KEY" + std::to_string(m) + "-SYNTHETIC");
    s.formulas.push_back("C" + std::to_string(2 + m));
    s.heavy.push_back(2 + m);
  }
  s.random_split = {0, 1, 0, 2, 0};
  s.ood_split = {0, 0, 1, 2, 3};
  // Shard 0 holds molecules 0, 2, 4; shard 1 holds 1, 3. Within a shard, conformers go round-robin
  // over its molecules so a molecule's conformers are not contiguous.
  const std::vector<std::vector<int>> shard_mols = {{0, 2, 4}, {1, 3}};
  s.of_mol.resize(M);
  std::vector<std::int64_t> shard_conf_offset{0}, conf_molecule;
  std::vector<std::string> shard_files;
  for (std::size_t sh = 0; sh < shard_mols.size(); ++sh) {
    std::vector<std::pair<int, int>> order;  // (molecule, its k-th conformer)
    for (int round = 0; round < M; ++round)
      for (int m : shard_mols[sh])
        if (round < m + 1) order.emplace_back(m, round);
    std::vector<std::uint8_t> z, hf;
    std::vector<float> pos, forces, charge;
    std::vector<std::int8_t> formal;
    std::vector<std::int64_t> atom_off{0}, mol_local;
    std::vector<double> energy;
    std::vector<std::string> ids;
    for (const auto& [m, k] : order) {
      Conf c;
      c.global = static_cast<std::int64_t>(s.conformers.size());
      c.molecule = m;
      c.energy = -1000.0 * (m + 1) - 0.37 * static_cast<double>(c.global) - 1e-9 * k;
      c.charge = static_cast<float>(m % 3) - 1.0f;
      c.has_forces = (c.global % 4) != 3;
      for (int a = 0; a < 2 + m; ++a) {
        c.z.push_back(static_cast<std::uint8_t>(1 + (a + m) % 9));
        for (int d = 0; d < 3; ++d) {
          c.pos.push_back(0.1f * static_cast<float>(c.global) + 1.25f * static_cast<float>(a) + 0.001f * static_cast<float>(d));
          c.forces.push_back(c.has_forces ? -0.03f * static_cast<float>(c.global * 7 + a * 3 + d) : 0.0f);
        }
      }
      z.insert(z.end(), c.z.begin(), c.z.end());
      pos.insert(pos.end(), c.pos.begin(), c.pos.end());
      forces.insert(forces.end(), c.forces.begin(), c.forces.end());
      formal.insert(formal.end(), c.z.size(), 0);
      atom_off.push_back(static_cast<std::int64_t>(z.size()));
      energy.push_back(c.energy);
      charge.push_back(c.charge);
      hf.push_back(c.has_forces ? 1 : 0);
      mol_local.push_back(m);  // written as the global molecule number; the reader takes it from the index
      ids.push_back("conf-" + std::to_string(c.global));
      s.of_mol[static_cast<std::size_t>(m)].push_back(c.global);
      conf_molecule.push_back(m);
      s.conformers.push_back(std::move(c));
    }
    const auto C = static_cast<std::int64_t>(energy.size()), A = static_cast<std::int64_t>(z.size());
    const std::string file = "shard-0000" + std::to_string(sh) + "-of-00002.h5";
    H5File f = H5File::create(s.dir + "/" + file);
    put(f, layout::kZ, z, {A}, atom_chunk);
    put(f, layout::kPositions, pos, {A, 3}, atom_chunk);
    put(f, layout::kForces, forces, {A, 3}, atom_chunk);
    put(f, layout::kFormalCharge, formal, {A}, atom_chunk);
    put(f, layout::kAtomOffset, atom_off, {C + 1}, 0);
    put(f, layout::kEnergy, energy, {C}, 0);
    put(f, layout::kNetCharge, charge, {C}, 0);
    put(f, layout::kHasForces, hf, {C}, 0);
    put(f, layout::kConfMolecule, mol_local, {C}, 0);
    labkit::tensorio::write_strings(f.handle(), layout::kConfId, ids);
    labkit::tensorio::set_attribute(f, "/", "format", layout::kShardFormat);
    f.commit();
    shard_files.push_back(file);
    shard_conf_offset.push_back(shard_conf_offset.back() + C);
  }
  std::vector<std::int64_t> mol_conf_offset{0}, grouped;
  for (const auto& list : s.of_mol) {
    grouped.insert(grouped.end(), list.begin(), list.end());
    mol_conf_offset.push_back(static_cast<std::int64_t>(grouped.size()));
  }
  H5File idx = H5File::create(s.dir + "/index.h5");
  labkit::tensorio::write_strings(idx.handle(), layout::kShardFile, shard_files);
  labkit::tensorio::write_strings(idx.handle(), layout::kShardSha256, std::vector<std::string>(2, "0"));
  labkit::tensorio::write_strings(idx.handle(), layout::kMolKey, s.keys);
  labkit::tensorio::write_strings(idx.handle(), layout::kMolFormula, s.formulas);
  put(idx, layout::kShardConfOffset, shard_conf_offset, {3}, 0);
  put(idx, layout::kMolHeavy, s.heavy, {M}, 0);
  put(idx, layout::kMolConfOffset, mol_conf_offset, {M + 1}, 0);
  put(idx, layout::kMolConformers, grouped, {static_cast<std::int64_t>(grouped.size())}, 0);
  put(idx, layout::kConfMolecule, conf_molecule, {static_cast<std::int64_t>(conf_molecule.size())}, 0);
  put(idx, layout::kSplitRandom, s.random_split, {M}, 0);
  put(idx, layout::kSplitOod, s.ood_split, {M}, 0);
  put(idx, layout::kRefZ, std::vector<std::int32_t>{1, 6}, {2}, 0);
  put(idx, layout::kRefEnergy, std::vector<double>{-13.6, -1029.5}, {2}, 0);
  labkit::tensorio::set_attribute(idx, "/", "format", layout::kIndexFormat);
  labkit::tensorio::set_attribute(idx, "/", "format_version", static_cast<std::int64_t>(layout::kFormatVersion));
  idx.commit();
  return s;
}

}  // namespace molpack_test
