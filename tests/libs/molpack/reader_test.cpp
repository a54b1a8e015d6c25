// DatasetReader against a dataset written from known values: random access returns every value
// exactly, molecule tables and splits match, batches by molecule equal the conformers read one by one.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "labkit/core/error.h"
#include "labkit/molpack/dataset_reader.h"
#include "synthetic_dataset.h"

using labkit::molpack::ConformerBatch;
using labkit::molpack::ConformerRecord;
using labkit::molpack::DatasetReader;

namespace {

class Reader : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { data_ = new molpack_test::Synthetic(molpack_test::write_synthetic("reader")); }
  static void TearDownTestSuite() {
    std::filesystem::remove_all(data_->dir);
    delete data_;
  }
  static molpack_test::Synthetic* data_;
};
molpack_test::Synthetic* Reader::data_ = nullptr;

void expect_record(const molpack_test::Conf& c, const ConformerRecord& r) {
  EXPECT_EQ(r.index, c.global);
  EXPECT_EQ(r.molecule, c.molecule);
  EXPECT_EQ(r.energy, c.energy);  // f64 stored, f64 read: exact
  EXPECT_EQ(r.net_charge, c.charge);
  EXPECT_EQ(r.has_forces, c.has_forces);
  EXPECT_EQ(r.z, c.z);
  EXPECT_EQ(r.positions, c.pos);  // float32 bit for bit
  EXPECT_EQ(r.forces, c.forces);
}

}  // namespace

TEST_F(Reader, CountsAndEveryConformerInRandomOrder) {
  const auto& s = *data_;
  DatasetReader ds(s.dir);  // the directory or the index file both work
  EXPECT_EQ(ds.num_shards(), 2);
  EXPECT_EQ(ds.num_molecules(), 5);
  EXPECT_EQ(ds.num_conformers(), 15);  // 1 + 2 + 3 + 4 + 5
  std::int64_t atoms = 0;
  for (const auto& c : s.conformers) atoms += static_cast<std::int64_t>(c.z.size());
  EXPECT_EQ(ds.num_atoms(), atoms);
  EXPECT_EQ(ds.shard_paths().size(), 2u);
  // Backwards over shard boundaries and chunk boundaries (4 atoms per chunk), one record reused.
  ConformerRecord r;
  for (std::int64_t g = ds.num_conformers() - 1; g >= 0; --g) {
    ds.read(g, r);
    expect_record(s.conformers[static_cast<std::size_t>(g)], r);
    EXPECT_EQ(ds.energy(g), s.conformers[static_cast<std::size_t>(g)].energy);
    EXPECT_EQ(ds.atom_count(g), static_cast<std::int64_t>(s.conformers[static_cast<std::size_t>(g)].z.size()));
    EXPECT_EQ(ds.molecule_of(g), s.conformers[static_cast<std::size_t>(g)].molecule);
  }
  DatasetReader by_file(s.dir + "/index.h5", 0.0);  // no chunk cache at all: same values
  for (std::int64_t g : {7, 0, 14, 3}) expect_record(s.conformers[static_cast<std::size_t>(g)], by_file.read(g));
}

TEST_F(Reader, MoleculeTableAndSplits) {
  const auto& s = *data_;
  DatasetReader ds(s.dir);
  for (std::int64_t m = 0; m < 5; ++m) {
    const auto info = ds.molecule(m);
    EXPECT_EQ(info.key, s.keys[static_cast<std::size_t>(m)]);
    EXPECT_EQ(info.formula, s.formulas[static_cast<std::size_t>(m)]);
    EXPECT_EQ(info.heavy_atoms, s.heavy[static_cast<std::size_t>(m)]);
    EXPECT_EQ(info.conformers, m + 1);
    EXPECT_EQ(ds.molecule_conformers(m), s.of_mol[static_cast<std::size_t>(m)]);
  }
  EXPECT_EQ(ds.split_labels("random"), s.random_split);
  EXPECT_EQ(ds.split_labels("ood_heavy_atoms"), s.ood_split);
  EXPECT_EQ(ds.split_molecules("random", "train"), (std::vector<std::int64_t>{0, 2, 4}));
  EXPECT_EQ(ds.split_molecules("ood_heavy_atoms", "ood"), (std::vector<std::int64_t>{4}));
  // Conformers of a split: all of its molecules' conformers, ascending.
  std::vector<std::int64_t> want;
  for (int m : {0, 2, 4}) want.insert(want.end(), s.of_mol[static_cast<std::size_t>(m)].begin(), s.of_mol[static_cast<std::size_t>(m)].end());
  std::sort(want.begin(), want.end());
  EXPECT_EQ(ds.split_conformers("random", "train"), want);
  const auto ref = ds.reference_energies();
  ASSERT_EQ(ref.size(), 2u);
  EXPECT_EQ(ref[0], (std::pair<int, double>{1, -13.6}));
  EXPECT_EQ(ref[1], (std::pair<int, double>{6, -1029.5}));
}

TEST_F(Reader, BatchesByMoleculeEqualRandomAccess) {
  const auto& s = *data_;
  DatasetReader ds(s.dir);
  const auto batches = ds.molecule_batches("random", "train", 2, 1);
  ASSERT_EQ(batches.size(), 2u);  // 3 train molecules in groups of 2
  std::multiset<std::int64_t> seen;
  for (const auto& b : batches) seen.insert(b.begin(), b.end());
  EXPECT_EQ(seen, (std::multiset<std::int64_t>{0, 2, 4}));
  EXPECT_EQ(ds.molecule_batches("random", "train", 2, 1), batches);  // same seed, same batches
  const std::vector<std::int64_t> mols{4, 1};
  const ConformerBatch b = ds.batch(mols);
  std::vector<std::int64_t> want;
  for (auto m : mols) want.insert(want.end(), s.of_mol[static_cast<std::size_t>(m)].begin(), s.of_mol[static_cast<std::size_t>(m)].end());
  ASSERT_EQ(b.conformers, want);
  ASSERT_EQ(b.atom_offset.size(), want.size() + 1);
  EXPECT_EQ(b.atom_offset.back(), static_cast<std::int64_t>(b.z.size()));
  for (std::size_t i = 0; i < want.size(); ++i) {
    const auto& c = s.conformers[static_cast<std::size_t>(want[i])];
    EXPECT_EQ(b.molecule[i], c.molecule);
    EXPECT_EQ(b.energy[i], c.energy);
    const auto a0 = static_cast<std::size_t>(b.atom_offset[i]), a1 = static_cast<std::size_t>(b.atom_offset[i + 1]);
    EXPECT_EQ(std::vector<std::uint8_t>(b.z.begin() + static_cast<std::ptrdiff_t>(a0), b.z.begin() + static_cast<std::ptrdiff_t>(a1)), c.z);
    EXPECT_EQ(std::vector<float>(b.positions.begin() + static_cast<std::ptrdiff_t>(3 * a0), b.positions.begin() + static_cast<std::ptrdiff_t>(3 * a1)), c.pos);
    EXPECT_EQ(std::vector<float>(b.forces.begin() + static_cast<std::ptrdiff_t>(3 * a0), b.forces.begin() + static_cast<std::ptrdiff_t>(3 * a1)), c.forces);
  }
}

TEST_F(Reader, BadRequestsAndFilesAreInputErrors) {
  const auto& s = *data_;
  DatasetReader ds(s.dir);
  EXPECT_THROW(ds.read(15), labkit::InputError);
  EXPECT_THROW(ds.read(-1), labkit::InputError);
  EXPECT_THROW(ds.molecule(5), labkit::InputError);
  EXPECT_THROW(ds.molecule_conformers(-1), labkit::InputError);
  EXPECT_THROW(ds.split_labels("upstream"), labkit::InputError);  // not QO2Mol release inputs
  EXPECT_THROW(ds.split_molecules("random", "nonsense"), labkit::InputError);
  EXPECT_THROW(ds.molecule_batches("random", "train", 0, 1), labkit::InputError);
  // A shard is not an index: the message names the file.
  const std::string shard = ds.shard_paths().front();
  try {
    DatasetReader bad(shard);
    FAIL() << "opened a shard as an index";
  } catch (const labkit::InputError& e) {
    EXPECT_NE(std::string(e.what()).find(shard), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("not a qo2mol-pack index"), std::string::npos) << e.what();
  }
  EXPECT_THROW(DatasetReader(s.dir + "/missing.h5"), labkit::InputError);
}
