// Units: constants, the free-atom ratio test, QO2Mol's REF_ENERGIES recognised as kcal/mol, and the
// real schnetpack databases whose units are known (ethanol kcal/mol, ANI-1 eV, QM9 Ha in metadata).
#include <gtest/gtest.h>

#include "fixture.h"
#include "input.h"
#include "labkit/core/error.h"
#include "units.h"

using namespace labkit::qo2mol_pack;

TEST(Units, Constants) {
  EXPECT_NEAR(kKcalMolEv, 0.0433641043, 1e-9);
  EXPECT_NEAR(kKjMolEv, 0.0103642688, 1e-9);
  EXPECT_DOUBLE_EQ(energy_to_ev("Ha"), 27.211386245988);
  EXPECT_DOUBLE_EQ(force_to_ev_per_ang("Ha/Bohr", "x"), 27.211386245988 / 0.529177210903);
  EXPECT_DOUBLE_EQ(force_to_ev_per_ang("kcal/mol/Ang", "x"), kKcalMolEv);
  EXPECT_THROW(force_to_ev_per_ang("furlong", "x"), labkit::InputError);
}

TEST(Units, Qo2molReferenceEnergiesAreKcalPerMol) {
  // REF_ENERGIES of the QO2Mol v1.0-1.2 loader (reference note, section 3), tabulated elements only.
  const std::pair<int, double> ref[] = {{1, -377.13},     {6, -23896.72},   {7, -34329.57},  {8, -47167.51},
                                        {9, -62605.90},   {15, -214201.95}, {16, -249791.04}, {17, -288696.58},
                                        {35, -1615128.76}};
  for (auto [z, e] : ref) EXPECT_EQ(unit_from_ratio(free_atom_ratio({z}, e)), "kcal/mol") << z;
}

TEST(Units, DetectsHartreeEvKcal) {
  const std::vector<std::int32_t> water{8, 1, 1};
  const double e_ha = -76.4;
  EXPECT_EQ(unit_from_ratio(free_atom_ratio(water, e_ha)), "Ha");
  EXPECT_EQ(unit_from_ratio(free_atom_ratio(water, e_ha * kHartreeEv)), "eV");
  EXPECT_EQ(unit_from_ratio(free_atom_ratio(water, e_ha * kHartreeEv / kKcalMolEv)), "kcal/mol");
  EXPECT_EQ(unit_from_ratio(free_atom_ratio(water, e_ha * kHartreeEv / kKjMolEv)), "kJ/mol");
  EXPECT_EQ(unit_from_ratio(free_atom_ratio(water, -5.07)), "");  // GFN2-xTB scale: not a DFT total energy
  EXPECT_EQ(detect_energy_unit({27.3, 27.0, 600.0}), "eV");         // median of the ratios
}

namespace {
InputReport read_db(const std::string& name, const InputOptions& opt) {
  return read_input(qo2test::molecules_dir() + "/" + name, opt, [](PackedConformer&&) {});
}
}  // namespace

TEST(Units, RealSchnetpackDatabases) {
  InputOptions opt;
  // MD17 ethanol: kcal/mol detected; its forces are kcal/mol/Ang, which nothing in the file states.
  try {
    read_db("schnetpack_test_ethanol.db", opt);
    FAIL() << "an unstated force unit with kcal/mol energies must be refused";
  } catch (const labkit::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("schnetpack_test_ethanol.db: energies are in kcal/mol (detected from "
                                         "per-atom energies) but nothing states the force unit"),
              std::string::npos) << e.what();
  }
  opt.force_length = "Ang";
  auto eth = read_db("schnetpack_test_ethanol.db", opt);
  EXPECT_EQ(eth.energy_unit, "kcal/mol");
  EXPECT_EQ(eth.energy_unit_basis, "detected from per-atom energies");
  EXPECT_EQ(eth.force_unit, "kcal/mol/Ang");
  EXPECT_EQ(eth.force_unit_basis, "energy unit / --force-length");
  EXPECT_EQ(read_db("schnetpack_test_ani1.db", opt).energy_unit, "eV");
  InputOptions qm9 = opt;
  qm9.reader.energy_key = "energy_U0";
  auto q = read_db("schnetpack_test_qm9.db", qm9);
  EXPECT_EQ(q.energy_unit, "Ha");
  EXPECT_EQ(q.energy_unit_basis, "stated by the file");
}

TEST(Units, WrongFlagIsCaughtBySameCheck) {
  InputOptions opt;
  opt.force_length = "Ang";
  opt.energy_unit = "eV";  // ethanol is in kcal/mol
  try {
    read_db("schnetpack_test_ethanol.db", opt);
    FAIL();
  } catch (const labkit::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("energies are in kcal/mol by their size"), std::string::npos) << e.what();
  }
  opt.unit_check = false;  // explicitly off: the flag is trusted
  EXPECT_EQ(read_db("schnetpack_test_ethanol.db", opt).energy_unit, "eV");
}

TEST(Units, QO2MolKcalPickleDetectedAndConverted) {
  QO2_REQUIRE_FIXTURES();
  std::vector<PackedConformer> got;
  InputOptions opt;
  opt.force_length = "Ang";
  auto rep = read_input(qo2test::fixture_dir() + "/qo2mol_kcal.pkl", opt, [&](PackedConformer&& c) { got.push_back(c); });
  EXPECT_EQ(rep.energy_unit, "kcal/mol");
  const auto& exp = qo2test::expected()["qo2mol_kcal.pkl"];
  ASSERT_EQ(got.size(), exp.size());
  for (std::size_t k = 0; k < got.size(); ++k)
    EXPECT_DOUBLE_EQ(got[k].energy, exp[k]["energy"].get<double>() * kKcalMolEv);
}
