// Molecule keys without a toolkit (permutation invariant, same molecule across datasets), formulas,
// and duplicate fingerprints.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "dedup.h"
#include "fixture.h"
#include "molecule_key.h"
#include "readers.h"

using namespace labkit::qo2mol;

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
  a.z = {8, 1, 1};
  a.positions = {0, 0, 0, 0.96f, 0, 0, -0.24f, 0.93f, 0};
  PackedConformer b = a, c = a, d = a;
  b.positions[4] += 1e-6f;  // same within 1e-3 grid
  c.positions[4] += 0.1f;   // different geometry
  d.molecule_key = "N";     // different molecule
  Deduplicator dd(1e-3);
  EXPECT_FALSE(dd.seen(a));
  EXPECT_TRUE(dd.seen(b));
  EXPECT_FALSE(dd.seen(c));
  EXPECT_FALSE(dd.seen(d));
}
