// Readers against independent references: ASE's own reading of the real schnetpack databases
// (ase.db in Python), and the values make_fixtures.py wrote into extxyz (via ase.io), SDF and SPICE HDF5.
#include <gtest/gtest.h>

#include <cmath>

#include "fixture.h"
#include "input.h"
#include "labkit/core/error.h"
#include "readers.h"
#include "units.h"

using namespace labkit::qo2mol_pack;

namespace {
std::vector<Conformer> read_all(void (*reader)(const std::string&, const ReaderOptions&, SourceUnits&, const Sink&),
                                const std::string& path, SourceUnits& units, ReaderOptions opt = {}) {
  std::vector<Conformer> out;
  reader(path, opt, units, [&](Conformer&& c) { out.push_back(std::move(c)); });
  return out;
}
}  // namespace

TEST(AseSqlite, MatchesAseForAllThreeRealDatabases) {
  QO2_REQUIRE_FIXTURES();
  if (qo2test::ase_expected().empty()) GTEST_SKIP() << "needs python3-ase";
  for (const auto& [name, ekey] : std::vector<std::pair<std::string, std::string>>{
           {"schnetpack_test_ethanol.db", ""}, {"schnetpack_test_ani1.db", ""}, {"schnetpack_test_qm9.db", "energy_U0"}}) {
    const auto& ref = qo2test::ase_expected()[name]["rows"];
    SourceUnits units;
    ReaderOptions opt;
    opt.energy_key = ekey;
    const auto got = read_all(read_ase_sqlite, qo2test::molecules_dir() + "/" + name, units, opt);
    ASSERT_EQ(got.size(), ref.size()) << name;
    for (std::size_t k = 0; k < got.size(); ++k) {
      EXPECT_EQ(got[k].conformer_id, ref[k]["unique_id"].get<std::string>());
      EXPECT_EQ(got[k].z, ref[k]["z"].get<std::vector<std::int32_t>>());
      EXPECT_EQ(got[k].positions, ref[k]["pos"].get<std::vector<double>>());
      EXPECT_EQ(got[k].energy, ref[k]["energy"].get<double>()) << name << " row " << k;
      if (ref[k]["forces"].is_null()) EXPECT_TRUE(got[k].forces.empty());
      else EXPECT_EQ(got[k].forces, ref[k]["forces"].get<std::vector<double>>());
    }
    EXPECT_EQ(units.length, "Ang");
    EXPECT_EQ(units.energy, name == "schnetpack_test_qm9.db" ? "Ha" : "") << name;
  }
}

TEST(AseSqlite, MissingEnergyKeyNamesTheRow) {
  SourceUnits units;
  ReaderOptions opt;
  opt.energy_key = "no_such_property";
  try {
    read_all(read_ase_sqlite, qo2test::molecules_dir() + "/schnetpack_test_qm9.db", units, opt);
    FAIL();
  } catch (const labkit::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("schnetpack_test_qm9.db: row id 1: has no energy"), std::string::npos) << e.what();
  }
}

TEST(ExtXyz, AseWrittenFramesWithEnergyAndForces) {
  QO2_REQUIRE_FIXTURES();
  const auto& exp = qo2test::expected()["frames.extxyz"];
  if (exp.is_null()) GTEST_SKIP() << "needs python3-ase";
  SourceUnits units;
  const auto got = read_all(read_extxyz, qo2test::fixture_dir() + "/frames.extxyz", units);
  ASSERT_EQ(got.size(), exp.size());
  for (std::size_t k = 0; k < got.size(); ++k) {
    EXPECT_EQ(got[k].conformer_id, exp[k]["confid"].get<std::string>());
    EXPECT_EQ(got[k].molecule_key, exp[k]["inchikey"].get<std::string>());
    EXPECT_EQ(got[k].z, exp[k]["z"].get<std::vector<std::int32_t>>());
    EXPECT_EQ(got[k].energy, exp[k]["energy"].get<double>());  // ASE writes repr(): exact
    const auto pos = exp[k]["pos"].get<std::vector<double>>();
    const auto f = exp[k]["force"].get<std::vector<double>>();
    ASSERT_EQ(got[k].positions.size(), pos.size());
    for (std::size_t i = 0; i < pos.size(); ++i) {
      EXPECT_NEAR(got[k].positions[i], pos[i], 5e-9);  // ASE prints %16.8f
      EXPECT_NEAR(got[k].forces[i], f[i], 5e-9);
    }
  }
}

TEST(ExtXyz, PlainXyzFromSchnetpackReadsGeometry) {
  SourceUnits units;
  const auto got = read_all(read_extxyz, qo2test::molecules_dir() + "/schnetpack_md_ethanol.xyz", units);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].z.size(), 9u);
  EXPECT_TRUE(std::isnan(got[0].energy));  // no label: pack refuses it with "energy is NaN or missing"
  EXPECT_THROW(read_input(qo2test::molecules_dir() + "/schnetpack_md_ethanol.xyz", {}, [](PackedConformer&&) {}),
               labkit::InputError);
}

TEST(Sdf, BondsDataFieldsAndValues) {
  QO2_REQUIRE_FIXTURES();
  const auto& exp = qo2test::expected()["mols.sdf"];
  SourceUnits units;
  const auto got = read_all(read_sdf, qo2test::fixture_dir() + "/mols.sdf", units);
  ASSERT_EQ(got.size(), exp.size());
  for (std::size_t k = 0; k < got.size(); ++k) {
    EXPECT_EQ(got[k].molecule_key, exp[k]["inchikey"].get<std::string>());
    EXPECT_EQ(got[k].energy, exp[k]["energy"].get<double>());
    EXPECT_EQ(got[k].forces, exp[k]["force"].get<std::vector<double>>());
    const auto pos = exp[k]["pos"].get<std::vector<double>>();
    for (std::size_t i = 0; i < pos.size(); ++i) EXPECT_NEAR(got[k].positions[i], pos[i], 1e-12);
    EXPECT_GE(got[k].bonds.size(), got[k].z.size() - 1);  // connected molecules
  }
}

TEST(SpiceHdf5, UnitsAndGradientSign) {
  QO2_REQUIRE_FIXTURES();
  const auto& exp = qo2test::expected()["spice.h5"];
  if (exp.is_null()) GTEST_SKIP() << "needs python3-h5py";
  std::vector<PackedConformer> got;
  auto rep = read_input(qo2test::fixture_dir() + "/spice.h5", {}, [&](PackedConformer&& c) { got.push_back(c); });
  EXPECT_EQ(rep.energy_unit, "Ha");
  EXPECT_EQ(rep.length_unit, "Bohr");
  EXPECT_EQ(rep.force_unit, "Ha/Bohr");
  ASSERT_EQ(got.size(), exp.size());
  for (std::size_t k = 0; k < got.size(); ++k) {
    EXPECT_EQ(got[k].conformer_id, exp[k]["confid"].get<std::string>());
    EXPECT_EQ(got[k].energy, exp[k]["energy_ha"].get<double>() * kHartreeEv);
    const auto pos = exp[k]["pos_bohr"].get<std::vector<double>>();
    const auto grad = exp[k]["grad_ha_bohr"].get<std::vector<double>>();
    for (std::size_t i = 0; i < pos.size(); ++i) {
      EXPECT_EQ(got[k].positions[i], static_cast<float>(pos[i] * kBohrAng));
      EXPECT_EQ(got[k].forces[i], static_cast<float>(-grad[i] * (kHartreeEv / kBohrAng)));  // F = -dE/dx
    }
  }
}
