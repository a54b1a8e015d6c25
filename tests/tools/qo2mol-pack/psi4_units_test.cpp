// Force units against real quantum-chemistry output (issue 15): psi4 1.3.2 B3LYP/def2-SVP energies and
// gradients for H2O, NH3, CH4 (make_psi4_fixture.py; the committed files in psi4/ need no psi4 here),
// written in both conventions users have: Hartree + Hartree/Bohr, and eV + eV/Angstrom (ASE).
// Every convention must pack to psi4's own numbers times CODATA 2018, and the ambiguous one (energies
// in Hartree, nothing stating the force unit) must be refused with the flag to set.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "fixture.h"
#include "labkit/molpack/dataset_reader.h"

namespace fs = std::filesystem;
using labkit::molpack::ConformerRecord;
using labkit::molpack::DatasetReader;
using qo2test::run;
using qo2test::tool;

namespace {

constexpr double kHartreeEv = 27.211386245988, kBohrAng = 0.529177210903;  // CODATA 2018, typed here

std::string psi4_dir() { return std::string(LABKIT_SOURCE_DIR) + "/tests/tools/qo2mol-pack/psi4"; }

nlohmann::json expected_records() {
  std::ifstream in(psi4_dir() + "/psi4_expected.json");
  return nlohmann::json::parse(in)["records"];
}

// pack (with `flags`) then merge; returns the merged directory.
std::string pack_and_merge(const std::string& tmp, const std::string& input, const std::string& flags) {
  std::string out;
  const std::string p = tmp + "/p-" + fs::path(input).stem().string(), m = tmp + "/m-" + fs::path(input).stem().string();
  EXPECT_EQ(run(tool() + " pack " + psi4_dir() + "/" + input + " " + flags + " --out " + p + " --log-level warn", &out), 0)
      << out;
  EXPECT_EQ(run(tool() + " merge " + p + " --out " + m + " --log-level warn", &out), 0) << out;
  return m;
}

// Every conformer equals psi4's energy (Ha) and -gradient (Ha/Bohr) in eV, eV/Angstrom.
void expect_psi4_values(const std::string& merged, double force_abs_tol) {
  const auto exp = expected_records();
  DatasetReader ds(merged);
  ASSERT_EQ(ds.num_conformers(), static_cast<std::int64_t>(exp.size()));
  ConformerRecord r;
  for (std::size_t g = 0; g < exp.size(); ++g) {
    const auto& e = exp[g];
    ds.read(static_cast<std::int64_t>(g), r);
    const auto sym = e["symbols"].get<std::vector<std::string>>();
    ASSERT_EQ(r.z.size(), sym.size()) << e["confid"];
    EXPECT_NEAR(r.energy, e["energy_ha"].get<double>() * kHartreeEv, 1e-9) << e["confid"];
    ASSERT_TRUE(r.has_forces);
    const auto grad = e["grad_ha_bohr"].get<std::vector<std::vector<double>>>();
    const auto pos = e["positions_ang"].get<std::vector<std::vector<double>>>();
    for (std::size_t a = 0; a < sym.size(); ++a)
      for (std::size_t d = 0; d < 3; ++d) {
        const double f = -grad[a][d] * kHartreeEv / kBohrAng;
        EXPECT_NEAR(r.forces[3 * a + d], f, force_abs_tol + 1e-6 * std::fabs(f)) << e["confid"] << " atom " << a;
        EXPECT_NEAR(r.positions[3 * a + d], pos[a][d], 1e-6) << e["confid"] << " atom " << a;
      }
  }
}

}  // namespace

TEST(Psi4Units, HartreeEnergiesWithoutAForceUnitAreRefused) {
  const std::string tmp = labkit::test::fresh_temp_dir("psi4-refused");
  std::string out;
  // `units=hartree` states the energy unit only: Ha/Bohr (psi4's gradient) and Ha/Angstrom both occur.
  EXPECT_EQ(run(tool() + " pack " + psi4_dir() + "/psi4_hartree.extxyz --out " + tmp + "/o", &out), 2);
  EXPECT_NE(out.find("psi4_hartree.extxyz: energies are in Ha"), std::string::npos) << out;
  EXPECT_NE(out.find("nothing states the force unit"), std::string::npos) << out;
  EXPECT_NE(out.find("--force-unit"), std::string::npos) << out;
  EXPECT_FALSE(fs::exists(tmp + "/o/shard-00000-of-00001.h5"));
  EXPECT_FALSE(fs::exists(tmp + "/o/report.json"));
  // --energy-unit alone is no better: the force unit is still unstated.
  EXPECT_EQ(run(tool() + " pack " + psi4_dir() + "/psi4_hartree.extxyz --energy-unit Ha --out " + tmp + "/o2", &out), 2);
  EXPECT_NE(out.find("--force-unit"), std::string::npos) << out;
  fs::remove_all(tmp);
}

TEST(Psi4Units, BothConventionsPackToPsi4sNumbersInEv) {
  const std::string tmp = labkit::test::fresh_temp_dir("psi4-units");
  // eV + eV/Angstrom as ASE writes it (%16.8f forces): detected eV, forces follow (ASE's convention).
  expect_psi4_values(pack_and_merge(tmp, "psi4_ev.extxyz", ""), 1e-7);
  // Hartree + Hartree/Bohr with the force unit given by flag.
  expect_psi4_values(pack_and_merge(tmp, "psi4_hartree.extxyz", "--force-unit Ha/Bohr"), 1e-9);
  // Every unit stated in the comment line (energy_unit, force_unit, length_unit=bohr positions).
  expect_psi4_values(pack_and_merge(tmp, "psi4_hartree_bohr.extxyz", ""), 1e-9);
  // The unit decisions are recorded in report.json.
  std::ifstream rj(tmp + "/p-psi4_hartree_bohr/report.json");
  const auto report = nlohmann::json::parse(rj);
  const auto& in = report["metrics"]["inputs"][0];
  EXPECT_EQ(in["energy_unit"], "Ha");
  EXPECT_EQ(in["length_unit"], "Bohr");
  EXPECT_EQ(in["force_unit"], "hartree/bohr");
  EXPECT_EQ(in["force_unit_basis"], "stated by the file");
  fs::remove_all(tmp);
}

TEST(Psi4Units, AWrongForceUnitGivesWrongForcesSoTheFlagMatters) {
  // The bug of issue 15: Ha/Bohr forces taken as Ha/Angstrom come out 0.529x too small. Stating that
  // unit on purpose must do exactly that (the flag is obeyed, not second-guessed).
  const std::string tmp = labkit::test::fresh_temp_dir("psi4-wrong");
  const std::string m = pack_and_merge(tmp, "psi4_hartree.extxyz", "--force-unit Ha/Ang");
  DatasetReader ds(m);
  ConformerRecord r;
  ds.read(0, r);
  const double grad_z = expected_records()[0]["grad_ha_bohr"][0][2].get<double>();
  EXPECT_NEAR(r.forces[2], -grad_z * kHartreeEv, 1e-6);
  fs::remove_all(tmp);
}

TEST(Psi4Units, UnitHintsThatDisagreeBetweenFramesAreRefused) {
  const std::string tmp = labkit::test::fresh_temp_dir("psi4-hints");
  std::ifstream in(psi4_dir() + "/psi4_hartree.extxyz");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto second = text.find("units=hartree", text.find("units=hartree") + 1);
  ASSERT_NE(second, std::string::npos);
  text.replace(second, 13, "units=eV");
  std::ofstream(tmp + "/mixed.extxyz") << text;
  std::string out;
  EXPECT_EQ(run(tool() + " pack " + tmp + "/mixed.extxyz --force-unit Ha/Bohr --out " + tmp + "/o", &out), 2);
  EXPECT_NE(out.find("mixed.extxyz: frame 1"), std::string::npos) << out;
  EXPECT_NE(out.find("units=eV differs from the unit the first frame states ('Ha')"), std::string::npos) << out;
  std::ofstream(tmp + "/bad.extxyz") << "1\nProperties=species:S:1:pos:R:3 energy=-0.5 force_unit=furlong\nH 0 0 0\n";
  EXPECT_EQ(run(tool() + " pack " + tmp + "/bad.extxyz --out " + tmp + "/o2", &out), 2);
  EXPECT_NE(out.find("force_unit=furlong is not a known force unit"), std::string::npos) << out;
  fs::remove_all(tmp);
}
