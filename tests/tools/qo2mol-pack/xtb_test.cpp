// A realistic input computed on this machine: GFN2-xTB energies and forces (Debian xtb) for molecules
// of Debian's chemical-structures-data, written as extxyz by ASE, packed and read back.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>

#include "fixture.h"
#include "labkit/molpack/dataset_reader.h"
#include "readers.h"
#include "units.h"

namespace fs = std::filesystem;
using namespace labkit::qo2mol_pack;
using labkit::molpack::ConformerRecord;
using labkit::molpack::DatasetReader;
using qo2test::run;
using qo2test::tool;

TEST(Xtb, SemiEmpiricalEnergiesNeedAStatedUnitAndRoundTrip) {
  const std::string d = qo2test::xtb_fixture_dir();
  if (d.empty()) GTEST_SKIP() << "needs xtb, chemical-structures-data and python3-ase";
  const std::string in = d + "/xtb_frames.extxyz";
  const std::string tmp = labkit::test::fresh_temp_dir("xtb");
  std::string out;
  // GFN2 totals are not on the free-atom DFT scale: the unit cannot be detected, and pack says so.
  EXPECT_EQ(run(tool() + " pack " + in + " --out " + tmp + "/refused", &out), 2);
  EXPECT_NE(out.find("does not state its energy unit"), std::string::npos) << out;
  ASSERT_EQ(run(tool() + " pack " + in + " --energy-unit eV --no-unit-check --elements qo2mol --out " + tmp +
                "/p --log-level warn", &out), 0) << out;
  ASSERT_EQ(run(tool() + " merge " + tmp + "/p --out " + tmp + "/m --log-level warn", &out), 0) << out;
  ASSERT_EQ(run(tool() + " export " + tmp + "/m --out " + tmp + "/back --log-level warn", &out), 0) << out;

  std::ifstream ej(d + "/xtb_expected.json");
  const auto expected = nlohmann::json::parse(ej);
  std::map<std::string, Conformer> back;
  SourceUnits u;
  read_extxyz(tmp + "/back/conformers.xyz", {}, u, [&](Conformer&& c) { back.emplace(c.conformer_id, std::move(c)); });
  ASSERT_EQ(back.size(), expected.size());
  const double force_unit = kHartreeEv / kBohrAng;
  for (const auto& e : expected) {
    const auto& c = back.at(e["confid"].get<std::string>());
    EXPECT_EQ(c.energy, e["energy_ha"].get<double>() * kHartreeEv);  // ASE wrote repr(): exact
    const auto grad = e["grad_ha_bohr"].get<std::vector<double>>();
    ASSERT_EQ(c.forces.size(), grad.size());
    for (std::size_t k = 0; k < grad.size(); ++k)
      EXPECT_NEAR(c.forces[k], -grad[k] * force_unit, 1e-6 + 1e-6 * std::fabs(grad[k] * force_unit));  // %16.8f, float32
  }
  // 2R- and 2S-butan-2-ol are stereoisomers: one molecule key, so one split.
  DatasetReader ds(tmp + "/m");
  EXPECT_EQ(ds.num_conformers(), static_cast<std::int64_t>(expected.size()));
  EXPECT_EQ(back.at("alcohols/2R-butan-2-ol.cml:0").molecule_key, back.at("alcohols/2S-butan-2-ol.cml:1").molecule_key);
  EXPECT_NE(back.at("alcohols/2R-butan-2-ol.cml:0").molecule_key, back.at("alcohols/2-methylpropan-1-ol.cml:0").molecule_key);
  EXPECT_EQ(ds.num_molecules(), static_cast<std::int64_t>(expected.size() / 2 - 1));
  fs::remove_all(tmp);
}
