// The pickle VM on hand-made opcode streams, and the QO2Mol reader on pickles written by Python
// (numpy-1 and numpy-2 module names, protocols 2/4/5, ndarray and plain-list values).
#include <gtest/gtest.h>

#include <cmath>

#include "fixture.h"
#include "labkit/core/error.h"
#include "molecule_key.h"
#include "pickle.h"
#include "readers.h"

using namespace labkit::qo2mol_pack;
using Kind = pickle::Object::Kind;

namespace {
std::string bytes(std::initializer_list<int> b) {
  std::string s;
  for (int c : b) s.push_back(static_cast<char>(c));
  return s;
}
}  // namespace

TEST(Pickle, Protocol2DictOfNumbersAndStrings) {
  // {'a': 5, 'b': 1.5, 'c': -2**40, 'd': True, 'e': None, 'f': [1, 'x']}
  std::string p = bytes({0x80, 2, '}', 'q', 0, '('});
  p += "X" + bytes({1, 0, 0, 0}) + "aK" + bytes({5});
  p += "X" + bytes({1, 0, 0, 0}) + "bG" + bytes({0x3f, 0xf8, 0, 0, 0, 0, 0, 0});
  p += "X" + bytes({1, 0, 0, 0}) + "c" + bytes({0x8a, 6, 0, 0, 0, 0, 0, 0xff});
  p += "X" + bytes({1, 0, 0, 0}) + "d" + bytes({0x88});
  p += "X" + bytes({1, 0, 0, 0}) + "eN";
  p += "X" + bytes({1, 0, 0, 0}) + "f]q" + bytes({1}) + "(K" + bytes({1}) + "X" + bytes({1, 0, 0, 0}) + "xe";
  p += "u.";
  auto root = pickle::load(p, "mem");
  ASSERT_EQ(root->kind, Kind::kDict);
  EXPECT_EQ(root->get("a")->i, 5);
  EXPECT_EQ(root->get("b")->f, 1.5);
  EXPECT_EQ(root->get("c")->i, -(std::int64_t{1} << 40));
  EXPECT_TRUE(root->get("d")->b);
  EXPECT_EQ(root->get("e")->kind, Kind::kNone);
  ASSERT_EQ(root->get("f")->items.size(), 2u);
  EXPECT_EQ(root->get("f")->items[1]->s, "x");
}

TEST(Pickle, UnknownOpcodeNamesFileAndByte) {
  try {
    pickle::load(bytes({0x80, 4, 0xff, '.'}), "x.pkl");
    FAIL();
  } catch (const labkit::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("x.pkl: pickle byte 2: unknown pickle opcode 0xff"), std::string::npos) << e.what();
  }
}

TEST(Pickle, TruncatedStreamIsAnInputError) {
  // BINUNICODE claiming 100 bytes with 3 present.
  EXPECT_THROW(pickle::load(bytes({0x80, 2, 'X', 100, 0, 0, 0, 'a', 'b', 'c'}), "t.pkl"), labkit::InputError);
  EXPECT_THROW(pickle::load(bytes({0x80, 2, ']'}), "t.pkl"), labkit::InputError);  // no STOP
}

TEST(Pickle, RefusesArbitraryGlobals) {
  const std::string p = bytes({0x80, 2}) + "cos\nsystem\n" + "." ;
  try {
    pickle::load(p, "evil.pkl");
    FAIL();
  } catch (const labkit::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("unsupported global 'os.system'"), std::string::npos) << e.what();
  }
}

namespace {
void expect_file_matches(const std::string& name, const std::string& energy_unit_note) {
  const auto& exp = qo2test::expected()[name];
  ASSERT_FALSE(exp.is_null()) << name;
  std::vector<Conformer> got;
  SourceUnits units;
  read_qo2mol_pickle(qo2test::fixture_dir() + "/" + name, {}, units, [&](Conformer&& c) { got.push_back(std::move(c)); });
  ASSERT_EQ(got.size(), exp.size()) << name;
  EXPECT_EQ(units.length, "Ang");
  EXPECT_EQ(units.energy, "") << "QO2Mol pickles do not state the energy unit " << energy_unit_note;
  for (std::size_t k = 0; k < got.size(); ++k) {
    const auto& e = exp[k];
    const auto& c = got[k];
    EXPECT_EQ(c.molecule_key, e["inchikey"].get<std::string>());
    EXPECT_EQ(c.conformer_id, e["confid"].get<std::string>());
    EXPECT_EQ(c.z, e["z"].get<std::vector<std::int32_t>>());
    EXPECT_EQ(c.energy, e["energy"].get<double>()) << name << " " << k;  // exact
    EXPECT_EQ(c.positions, e["pos"].get<std::vector<double>>()) << name << " " << k;
    EXPECT_EQ(c.forces, e["force"].get<std::vector<double>>()) << name << " " << k;
  }
}
}  // namespace

TEST(QO2MolPickle, Numpy1NamesProtocol4) {
  QO2_REQUIRE_FIXTURES();
  expect_file_matches("qo2mol_np1_p4.pkl", "");
}
TEST(QO2MolPickle, Numpy2NamesProtocol2) {
  QO2_REQUIRE_FIXTURES();
  expect_file_matches("qo2mol_np2_p2.pkl", "");
}
TEST(QO2MolPickle, Numpy2NamesProtocol5FromBuffer) {
  QO2_REQUIRE_FIXTURES();
  expect_file_matches("qo2mol_np2_p5.pkl", "");
}
TEST(QO2MolPickle, PlainListsAndKcalFile) {
  QO2_REQUIRE_FIXTURES();
  expect_file_matches("qo2mol_lists.pkl", "");
  expect_file_matches("qo2mol_kcal.pkl", "");
}

TEST(QO2MolPickle, KeyFirstSeenAtBatchEndIsRetriedNotLost) {
  QO2_REQUIRE_FIXTURES();
  expect_file_matches("late_key.pkl", "");  // 1200 records, each once, in order
}

TEST(QO2MolPickle, ErrorsNameFileAndRecord) {
  QO2_REQUIRE_FIXTURES();
  const std::string d = qo2test::fixture_dir();
  auto message = [&](const std::string& file) {
    SourceUnits u;
    try {
      read_qo2mol_pickle(d + "/" + file, {}, u, [](Conformer&&) {});
    } catch (const labkit::InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message("bad_truncated.pkl").find(d + "/bad_truncated.pkl: record 0 or later, pickle byte"), std::string::npos);
  EXPECT_NE(message("bad_truncated.pkl").find("truncated"), std::string::npos);
  EXPECT_NE(message("bad_opcode.pkl").find("unknown pickle opcode 0xff"), std::string::npos);
}

TEST(QO2MolPickle, EdgeListGivesTheMoleculeKeyWithoutInchikey) {
  QO2_REQUIRE_FIXTURES();
  std::vector<Conformer> got;
  SourceUnits u;
  read_qo2mol_pickle(qo2test::fixture_dir() + "/no_inchikey.pkl", {}, u, [&](Conformer&& c) { got.push_back(std::move(c)); });
  ASSERT_EQ(got.size(), 40u);
  for (std::size_t k = 0; k < got.size(); k += 2) {
    EXPECT_TRUE(got[k].molecule_key.empty());
    EXPECT_FALSE(got[k].bonds.empty());
    for (auto [i, j] : got[k].bonds) EXPECT_LT(i, j);  // directed pairs folded to one
    // Given bonds and perceived bonds describe the same graph here, so the keys agree.
    Conformer perceived = got[k];
    perceived.bonds.clear();
    EXPECT_EQ(graph_key(got[k]), graph_key(perceived));
    EXPECT_EQ(graph_key(got[k]), graph_key(got[k + 1]));  // two conformers of one molecule
  }
  try {
    read_qo2mol_pickle(qo2test::fixture_dir() + "/bad_edges.pkl", {}, u, [](Conformer&&) {});
    FAIL();
  } catch (const labkit::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("record 3: 'edge_list' names atom 99"), std::string::npos) << e.what();
  }
}
