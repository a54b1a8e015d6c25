// The qo2mol-pack items of issue 13, end to end through the binary with stdout and stderr apart
// (tests/support/run_command.h): config keys behind --config/--set and the mirror flags, --version,
// geometry-only packing, pickles whose records share objects, the logger, results on stdout, progress.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "fixture.h"
#include "labkit/core/atomic_file.h"
#include "labkit/molpack/dataset_reader.h"
#include "run_command.h"

namespace fs = std::filesystem;
using labkit::test::run_command;
using qo2test::tool;

namespace {

std::string ethanol() { return qo2test::molecules_dir() + "/schnetpack_test_ethanol.db"; }

nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

}  // namespace

TEST(Interface, ConfigKeysSetAndMirrorFlagsAreOneThing) {
  const std::string tmp = labkit::test::fresh_temp_dir("config");
  // --set reaches the settings and config.json records it.
  auto r = run_command(tool() + " pack " + ethanol() + " --set pack.force_length=Ang --set pack.gzip=2 --out " + tmp + "/a");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto cfg = read_json(tmp + "/a/config.json");
  EXPECT_EQ(cfg["pack"]["force_length"], "Ang");
  EXPECT_EQ(cfg["pack"]["gzip"], 2);
  // The flag spelling lands in the same key.
  r = run_command(tool() + " pack " + ethanol() + " --force-length=Ang --gzip 2 --out " + tmp + "/b");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_json(tmp + "/b/config.json"), cfg);
  // A config file works like --set; values are range-checked with the key named.
  std::ofstream(tmp + "/c.json") << R"({"pack": {"force_length": "Ang", "gzip": 12}})";
  r = run_command(tool() + " pack " + ethanol() + " --config " + tmp + "/c.json --out " + tmp + "/c");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("config pack.gzip: must be in [0, 9], got 12"), std::string::npos) << r.err;
  r = run_command(tool() + " pack " + ethanol() + " --force-length furlong --out " + tmp + "/d");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("config pack.force_length: 'furlong' is not a length unit"), std::string::npos) << r.err;
  r = run_command(tool() + " pack " + ethanol() + " --set pack.nope=1 --out " + tmp + "/e");
  EXPECT_EQ(r.exit_code, 2);
  // --show-config prints the defaults: every option is a key.
  r = run_command(tool() + " pack " + ethanol() + " --show-config");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto shown = nlohmann::json::parse(r.out);
  EXPECT_EQ(shown["pack"]["energy_unit"], "auto");
  EXPECT_EQ(shown["merge"]["train"], 0.8);
  fs::remove_all(tmp);
}

TEST(Interface, VersionListsHdf5AndSqlite) {
  const auto r = run_command(tool() + " --version");
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("HDF5 1."), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("SQLite 3."), std::string::npos) << r.out;
}

TEST(Interface, PlainXyzPacksGeometryOnlyWhenAsked) {
  const std::string tmp = labkit::test::fresh_temp_dir("geometry");
  const std::string xyz = qo2test::molecules_dir() + "/schnetpack_md_ethanol.xyz";
  auto r = run_command(tool() + " pack " + xyz + " --out " + tmp + "/refused");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("schnetpack_md_ethanol.xyz: frame 0 (line 1): energy is NaN or missing (--geometry-only"),
            std::string::npos) << r.err;
  r = run_command(tool() + " pack " + xyz + " --geometry-only --out " + tmp + "/p");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = run_command(tool() + " merge " + tmp + "/p --out " + tmp + "/m");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(run_command(tool() + " verify " + tmp + "/m").exit_code, 0);
  // Geometries as in the file (first atom of the first frame), no energies, no forces.
  labkit::molpack::DatasetReader ds(tmp + "/m");
  ASSERT_GT(ds.num_conformers(), 0);
  labkit::molpack::ConformerRecord c;
  ds.read(0, c);
  EXPECT_TRUE(std::isnan(c.energy));
  EXPECT_FALSE(c.has_forces);
  ASSERT_EQ(c.z.size(), 9u);
  EXPECT_EQ(c.z[0], 6);
  EXPECT_FLOAT_EQ(c.positions[0], static_cast<float>(-4.92196480914482));
  fs::remove_all(tmp);
}

TEST(Interface, PickleRecordsSharingOneElementsListPack) {
  if (!fs::exists("/usr/bin/python3")) GTEST_SKIP() << "needs /usr/bin/python3";
  const std::string tmp = labkit::test::fresh_temp_dir("shared-list");
  // Python's pickler writes a list shared by every record once and refers back to it (BINGET) after
  // its first batch of 1000 records: the streaming reader must decode again keeping it.
  const std::string py =
      "import pickle\n"
      "shared = [8, 1, 1]\n"
      "recs = [{'inchikey': 'XLYOFNOQVPJJNP-UHFFFAOYSA-N', 'confid': str(i), 'elements': shared,\n"
      "         'coordinates': [[0.0, 0.0, 0.1173], [0.0, 0.7572 + 0.001 * i, -0.4692], [0.0, -0.7572, -0.4692]],\n"
      "         'energy': -2077.81 - 1e-4 * i, 'force': [[0.0, 0.0, 0.65], [0.0, 0.29, -0.33], [0.0, -0.29, -0.33]]}\n"
      "        for i in range(2500)]\n"
      "pickle.dump(recs, open('" + tmp + "/shared.pkl', 'wb'), protocol=4)\n";
  std::ofstream(tmp + "/make.py") << py;
  ASSERT_EQ(run_command("/usr/bin/python3 " + tmp + "/make.py").exit_code, 0);
  auto r = run_command(tool() + " pack " + tmp + "/shared.pkl --out " + tmp + "/p");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = run_command(tool() + " merge " + tmp + "/p --out " + tmp + "/m");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  labkit::molpack::DatasetReader ds(tmp + "/m");
  ASSERT_EQ(ds.num_conformers(), 2500);
  std::vector<double> energies;
  labkit::molpack::ConformerRecord c;
  for (std::int64_t g = 0; g < ds.num_conformers(); ++g) {
    ds.read(g, c);
    ASSERT_EQ(c.z, (std::vector<std::uint8_t>{8, 1, 1})) << g;
    energies.push_back(c.energy);
  }
  std::sort(energies.begin(), energies.end());
  for (int i = 0; i < 2500; ++i) EXPECT_EQ(energies[2499 - i], -2077.81 - 1e-4 * i) << i;  // eV, exact
  fs::remove_all(tmp);
}

TEST(Interface, ResultsOnStdoutLogsOnStderrAsJsonLines) {
  const std::string tmp = labkit::test::fresh_temp_dir("stdout");
  auto r = run_command(tool() + " pack " + ethanol() + " --force-length Ang --out " + tmp + "/p --log-format json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("conformers in this shard"), std::string::npos) << r.out;  // the pack summary
  // Every stderr line is one JSON object (nothing bypasses the logger).
  std::istringstream lines(r.err);
  std::string line;
  while (std::getline(lines, line)) EXPECT_NO_THROW(nlohmann::json::parse(line)) << line;
  r = run_command(tool() + " merge " + tmp + "/p --out " + tmp + "/m");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("molecules per split"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("random"), std::string::npos) << r.out;
  r = run_command(tool() + " merge " + tmp + "/p --out " + tmp + "/m2 --json --manifest-copy " + tmp + "/copy.json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["conformers"], 20);
  // --manifest-copy (not --manifest, the glossary's input manifest): the manifest written into --out.
  EXPECT_EQ(nlohmann::json::parse(labkit::read_file(tmp + "/copy.json")),
            nlohmann::json::parse(labkit::read_file(tmp + "/m2/manifest.json")));
  r = run_command(tool() + " export " + tmp + "/m --out " + tmp + "/all --log-format json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("exported"), std::string::npos);
  std::istringstream elines(r.err);
  while (std::getline(elines, line)) EXPECT_NO_THROW(nlohmann::json::parse(line)) << line;
  // verify: {"ok", "problems", "problems_left_out"} on stdout, passing or not.
  r = run_command(tool() + " verify " + tmp + "/m");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto v = nlohmann::json::parse(r.out);
  EXPECT_EQ(v["ok"], true);
  EXPECT_TRUE(v["problems"].empty());
  EXPECT_EQ(v["problems_left_out"], 0);
  r = run_command(tool() + " verify " + tmp + "/m --elements H --max-problems 2");
  EXPECT_EQ(r.exit_code, 2);
  v = nlohmann::json::parse(r.out);
  EXPECT_EQ(v["ok"], false);
  EXPECT_EQ(v["problems"].size(), 2u);
  EXPECT_GT(v["problems_left_out"].get<int>(), 0);  // 20 conformers with C and O, 2 listed
  EXPECT_NE(r.err.find("verify found"), std::string::npos) << r.err;
  fs::remove_all(tmp);
}

TEST(Interface, PackReportsProgressWithoutATerminal) {
  QO2_REQUIRE_FIXTURES();
  const std::string tmp = labkit::test::fresh_temp_dir("progress");
  const auto r = run_command("LABKIT_PROGRESS_INTERVAL=0.000001 " + tool() + " pack " + qo2test::fixture_dir() +
                             "/late_key.pkl --out " + tmp + "/p");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // Plain lines (no carriage returns) naming the loop and its unit, then the final count.
  EXPECT_NE(r.err.find("pack "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(" conformers"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find('\r'), std::string::npos);
  const auto report = read_json(tmp + "/p/report.json");
  EXPECT_NE(r.err.find("pack: " + std::to_string(report["metrics"]["conformers_read"].get<std::int64_t>()) +
                       " conformers in"), std::string::npos) << r.err;
  fs::remove_all(tmp);
}
