// Molecule keys without a toolkit (permutation invariant, same molecule across datasets), formulas,
// and duplicate fingerprints.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "dedup.h"
#include "fixture.h"
#include "molecule_index.h"
#include "molecule_key.h"
#include "readers.h"

using namespace labkit::qo2mol_pack;

TEST(MoleculeKey, HillFormulaAndHeavyAtoms) {
  EXPECT_EQ(hill_formula({6, 6, 8, 1, 1, 1, 1, 1, 1}), "C2H6O");
  EXPECT_EQ(hill_formula({8, 1, 1}), "H2O");
  EXPECT_EQ(hill_formula({17, 1}), "ClH");
  EXPECT_EQ(heavy_atom_count({6, 6, 8, 1, 1}), 3);
}

TEST(MoleculeKey, PermutationInvariantAndSharedAcrossDatasets) {
  std::vector<Conformer> md17, qm9;
  SourceUnits u;
  read_ase_sqlite(qo2test::molecules_dir() + "/schnetpack_test_ethanol.db", {}, u, [&](Conformer&& c) { md17.push_back(c); });
  ReaderOptions o;
  o.energy_key = "energy_U0";
  read_ase_sqlite(qo2test::molecules_dir() + "/schnetpack_test_qm9.db", o, u, [&](Conformer&& c) { qm9.push_back(c); });
  const std::string key = graph_key(md17[0]);
  for (const auto& c : md17) EXPECT_EQ(graph_key(c), key);  // 20 MD17 conformers: one molecule
  // Reverse the atom order: same key.
  Conformer rev = md17[3];
  std::reverse(rev.z.begin(), rev.z.end());
  for (std::size_t a = 0; a < rev.z.size(); ++a)
    for (int d = 0; d < 3; ++d) rev.positions[3 * a + d] = md17[3].positions[3 * (rev.z.size() - 1 - a) + d];
  EXPECT_EQ(graph_key(rev), key);
  // QM9 holds ethanol (index 13) and its isomer dimethyl ether (index 14).
  EXPECT_EQ(graph_key(qm9[13]), key);
  EXPECT_NE(graph_key(qm9[14]), key);
  EXPECT_EQ(key.rfind("QPK1-C2H6O-", 0), 0u);
  std::set<std::string> distinct;
  for (const auto& c : qm9) distinct.insert(graph_key(c));
  EXPECT_EQ(distinct.size(), 20u);  // 20 different QM9 molecules
}

TEST(Dedup, SameMoleculeSameCoordinatesWithinTolerance) {
  PackedConformer a;
  a.molecule_key = "M";
  a.record = "record 0";
  a.z = {8, 1, 1};
  a.positions = {0, 0, 0, 0.96f, 0, 0, -0.24f, 0.93f, 0};
  a.energy = -2000.0;
  PackedConformer b = a, c = a, d = a, e = a;
  b.positions[4] += 1e-6f;  // same within 1e-3 grid
  b.energy = -2000.25;
  b.record = "record 1";
  c.positions[4] += 0.1f;   // different geometry
  d.molecule_key = "N";     // different molecule
  e.record = "record 4";    // a second repeat of a
  const std::string spill = labkit::test::fresh_temp_dir("dedup") + "/fp.bin";
  {
    Deduplicator dd(1e-3, spill);
    EXPECT_FALSE(dd.add(a, 0, 0));
    EXPECT_TRUE(dd.add(b, 1, 0));
    EXPECT_FALSE(dd.add(c, 2, 0));
    EXPECT_FALSE(dd.add(d, 3, 1));
    EXPECT_TRUE(dd.add(e, 4, 1));
    const auto dups = dd.resolve();
    ASSERT_EQ(dups.size(), 2u);
    EXPECT_EQ(dups[0].index, 1);
    EXPECT_EQ(dups[0].first, 0);
    EXPECT_EQ(dups[0].energy_gap, 0.25);
    EXPECT_EQ(dups[0].record, "record 1");
    EXPECT_EQ(dups[0].molecule_key, "M");
    EXPECT_EQ(dups[1].index, 4);
    EXPECT_EQ(dups[1].first, 0);
    EXPECT_EQ(dups[1].source, 1);
    EXPECT_TRUE(std::filesystem::exists(spill));
  }
  EXPECT_FALSE(std::filesystem::exists(spill));  // the spill file goes with the deduplicator
}

// A Bloom filter of 64 bits saturates after a few conformers: almost every one becomes a candidate,
// and resolve() must still keep exactly the true repeats (checked against an exact set).
TEST(Dedup, FalseCandidatesFromASaturatedFilterAreResolvedExactly) {
  const std::string spill = labkit::test::fresh_temp_dir("dedup_small") + "/fp.bin";
  Deduplicator dd(1e-3, spill, 8);
  std::set<std::uint64_t> exact;
  std::vector<std::int64_t> want;
  std::int64_t index = 0;
  for (int k = 0; k < 3000; ++k) {
    PackedConformer c;
    const int geometry = (k * 7919) % 2500;  // k and k + 2500 repeat: 500 true duplicates
    c.molecule_key = "M" + std::to_string(geometry % 7);
    c.z = {6, 1};
    c.positions = {0, 0, 0, 1.0f + 0.01f * static_cast<float>(geometry), 0, 0};
    c.record = "record " + std::to_string(k);
    if (!exact.insert(dd.fingerprint(c)).second) want.push_back(index);
    dd.add(c, index++, 0);
  }
  EXPECT_GT(dd.candidates(), 2500u);  // the filter is useless at this size...
  std::vector<std::int64_t> got;
  for (const auto& d : dd.resolve()) got.push_back(d.index);
  EXPECT_EQ(got, want);  // ...and the answer is still exact
  EXPECT_EQ(want.size(), 500u);
}

TEST(MoleculeIndex, RowsInFirstSeenOrderAndFormulaChanges) {
  MoleculeIndex idx;
  const auto a = idx.find_or_add("AAAA-UHFFFAOYSA-N", "C2H6O");
  EXPECT_TRUE(a.fresh);
  EXPECT_EQ(a.row, 0);
  const auto b = idx.find_or_add("BBBB-UHFFFAOYSA-N", "CH4");
  EXPECT_TRUE(b.fresh);
  EXPECT_EQ(b.row, 1);
  const auto a2 = idx.find_or_add("AAAA-UHFFFAOYSA-N", "C2H6O");
  EXPECT_FALSE(a2.fresh);
  EXPECT_EQ(a2.row, 0);
  EXPECT_FALSE(a2.formula_differs);
  const auto a3 = idx.find_or_add("AAAA-UHFFFAOYSA-N", "C2H4O");
  EXPECT_EQ(a3.row, 0);
  EXPECT_TRUE(a3.formula_differs);
  // Many keys: each gets its own row, found again by key.
  for (int k = 0; k < 20000; ++k) EXPECT_EQ(idx.find_or_add("K" + std::to_string(k), "H2").row, 2 + k);
  for (int k = 0; k < 20000; k += 997) EXPECT_EQ(idx.find_or_add("K" + std::to_string(k), "H2").row, 2 + k);
  EXPECT_EQ(idx.size(), 20002);
}
