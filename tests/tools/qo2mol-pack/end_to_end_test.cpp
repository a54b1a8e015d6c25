// The tool end to end: pack (3 shards) -> merge -> export/reader, checked value by value against what
// the readers produced from the inputs; molecule-disjoint splits; every bad-input path exits 2 and
// leaves no shard behind.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "fixture.h"
#include "input.h"
#include "labkit/molpack/dataset_reader.h"
#include "readers.h"
#include "digest.h"
#include "splits.h"

namespace fs = std::filesystem;
using namespace labkit::qo2mol_pack;
using labkit::molpack::ConformerRecord;
using labkit::molpack::DatasetReader;
using qo2test::run;
using qo2test::tool;

namespace {

std::vector<std::string> packed_inputs() {
  const std::string f = qo2test::fixture_dir(), m = qo2test::molecules_dir();
  return {f + "/qo2mol_np1_p4.pkl", f + "/qo2mol_np2_p2.pkl", f + "/qo2mol_np2_p5.pkl", f + "/frames.extxyz",
          f + "/mols.sdf", f + "/spice.h5", m + "/schnetpack_test_ethanol.db", m + "/schnetpack_test_ani1.db"};
}

bool same_bits(float a, float b) { return std::memcmp(&a, &b, sizeof a) == 0; }

std::vector<std::string> shard_files_in(const std::string& dir) {
  std::vector<std::string> out;
  if (!fs::exists(dir)) return out;
  for (const auto& e : fs::directory_iterator(dir)) {
    const auto n = e.path().filename().string();
    if (n.find(".h5") != std::string::npos) out.push_back(n);  // shards and hidden temporaries
  }
  return out;
}

nlohmann::json report_of(const std::string& dir) {
  std::ifstream in(dir + "/report.json");
  return nlohmann::json::parse(in);
}

}  // namespace

TEST(EndToEnd, PackExportReproducesEveryValue) {
  QO2_REQUIRE_FIXTURES();
  const std::string ds = qo2test::packed_dataset();
  ASSERT_TRUE(fs::exists(ds + "/index.h5"));
  // What went in: every input through the same readers, keyed by conformer id.
  std::map<std::string, PackedConformer> in;
  InputOptions as_packed;
  as_packed.force_length = "Ang";  // as the packed dataset was made (fixture.cpp)
  for (const auto& p : packed_inputs())
    read_input(p, as_packed, [&](PackedConformer&& c) { ASSERT_TRUE(in.emplace(c.conformer_id, c).second) << c.conformer_id; });
  // What comes out: export -> extxyz -> the extxyz reader.
  const std::string tmp = labkit::test::fresh_temp_dir("roundtrip");
  std::string out;
  ASSERT_EQ(run(tool() + " export " + ds + " --out " + tmp + "/all", &out), 0) << out;
  std::vector<Conformer> back;
  SourceUnits u;
  read_extxyz(tmp + "/all/conformers.xyz", {}, u, [&](Conformer&& c) { back.push_back(std::move(c)); });
  ASSERT_EQ(back.size(), in.size());
  std::size_t with_forces = 0;
  for (const auto& c : back) {
    auto it = in.find(c.conformer_id);
    ASSERT_NE(it, in.end()) << c.conformer_id;
    const auto& p = it->second;
    EXPECT_EQ(c.energy, p.energy) << c.conformer_id;  // float64, exact
    EXPECT_EQ(c.molecule_key, p.molecule_key);
    ASSERT_EQ(c.z.size(), p.z.size());
    for (std::size_t a = 0; a < p.z.size(); ++a) EXPECT_EQ(c.z[a], p.z[a]);
    for (std::size_t k = 0; k < p.positions.size(); ++k)
      ASSERT_TRUE(same_bits(static_cast<float>(c.positions[k]), p.positions[k])) << c.conformer_id << " pos " << k;
    EXPECT_EQ(c.forces.empty(), !p.has_forces);
    if (p.has_forces) {
      ++with_forces;
      for (std::size_t k = 0; k < p.forces.size(); ++k)
        ASSERT_TRUE(same_bits(static_cast<float>(c.forces[k]), p.forces[k])) << c.conformer_id << " force " << k;
    }
  }
  EXPECT_EQ(with_forces, in.size() - 20);  // only the ANI-1 database has no forces
  fs::remove_all(tmp);
}

TEST(EndToEnd, PickleValuesSurviveExactly) {
  QO2_REQUIRE_FIXTURES();
  // Against Python's own values (expected.json), not through any C++ reader.
  DatasetReader ds(qo2test::packed_dataset());
  const std::string tmp = labkit::test::fresh_temp_dir("exact");
  ASSERT_EQ(run(tool() + " export " + qo2test::packed_dataset() + " --out " + tmp + "/all"), 0);
  std::map<std::string, Conformer> out;
  SourceUnits u;
  read_extxyz(tmp + "/all/conformers.xyz", {}, u, [&](Conformer&& c) { out.emplace(c.conformer_id, std::move(c)); });
  for (const char* name : {"qo2mol_np1_p4.pkl", "qo2mol_np2_p2.pkl", "qo2mol_np2_p5.pkl"})
    for (const auto& e : qo2test::expected()[name]) {
      const auto& c = out.at(e["confid"].get<std::string>());
      EXPECT_EQ(c.energy, e["energy"].get<double>());
      const auto pos = e["pos"].get<std::vector<double>>();
      const auto f = e["force"].get<std::vector<double>>();
      for (std::size_t k = 0; k < pos.size(); ++k) {
        ASSERT_TRUE(same_bits(static_cast<float>(c.positions[k]), static_cast<float>(pos[k])));
        ASSERT_TRUE(same_bits(static_cast<float>(c.forces[k]), static_cast<float>(f[k])));  // float32 in the pickle
      }
    }
  fs::remove_all(tmp);
}

TEST(EndToEnd, SplitsNeverShareAMoleculeAndRepeatForASeed) {
  QO2_REQUIRE_FIXTURES();
  DatasetReader ds(qo2test::packed_dataset());
  for (const char* split : {"random", "ood_heavy_atoms"}) {
    std::map<std::string, std::set<int>> labels_of_key;
    const auto labels = ds.split_labels(split);
    for (std::int64_t g = 0; g < ds.num_conformers(); ++g) {
      const auto m = ds.molecule_of(g);
      labels_of_key[ds.molecule(m).key].insert(labels[static_cast<std::size_t>(m)]);
    }
    for (const auto& [key, set] : labels_of_key) EXPECT_EQ(set.size(), 1u) << split << " " << key;
  }
  // Fixture pickles, extxyz and SDF share InChIKeys (same 20 molecules): they must be one molecule each.
  EXPECT_EQ(ds.num_molecules(), 20 + 3 + 2);  // + 3 SPICE groups + ethanol + methane (ANI-1)
  std::set<std::string> train, test;
  for (auto m : ds.split_molecules("random", "train")) train.insert(ds.molecule(m).key);
  for (auto m : ds.split_molecules("random", "test")) test.insert(ds.molecule(m).key);
  for (const auto& k : test) EXPECT_EQ(train.count(k), 0u);
  // Re-merging the same shards with the same seed gives the same labels; another seed does not.
  const std::string tmp = labkit::test::fresh_temp_dir("seed");
  const std::string shards = qo2test::packed_dataset() + "/shard-0000*";
  ASSERT_EQ(run(tool() + " merge " + shards + " --seed 7 --out " + tmp + "/a --log-level warn"), 0);
  ASSERT_EQ(run(tool() + " merge " + shards + " --seed 8 --out " + tmp + "/b --log-level warn"), 0);
  EXPECT_EQ(DatasetReader(tmp + "/a").split_labels("random"), ds.split_labels("random"));
  EXPECT_NE(DatasetReader(tmp + "/b").split_labels("random"), ds.split_labels("random"));
  fs::remove_all(tmp);
}

// The reader itself (random access, batches by molecule) is tested in tests/libs/molpack against a
// dataset written from known values; here: what merge puts in the index for it.
TEST(EndToEnd, MergedIndexHasShardsMoleculesAndReferenceEnergies) {
  QO2_REQUIRE_FIXTURES();
  DatasetReader ds(qo2test::packed_dataset());
  EXPECT_EQ(ds.num_shards(), 3);
  std::size_t mols = 0;
  for (const auto& b : ds.molecule_batches("random", "train", 4, 1)) mols += b.size();
  EXPECT_EQ(mols, ds.split_molecules("random", "train").size());
  // Every conformer is listed under exactly the molecule the per-conformer table names.
  std::vector<int> listed(static_cast<std::size_t>(ds.num_conformers()), 0);
  for (std::int64_t m = 0; m < ds.num_molecules(); ++m)
    for (auto g : ds.molecule_conformers(m)) {
      EXPECT_EQ(ds.molecule_of(g), m);
      ++listed[static_cast<std::size_t>(g)];
    }
  EXPECT_EQ(std::count(listed.begin(), listed.end(), 1), ds.num_conformers());
  // Reference energies were fitted on train.
  EXPECT_FALSE(ds.reference_energies().empty());
}

TEST(EndToEnd, BadInputsExitTwoNamingFileAndRecordWithNoShard) {
  QO2_REQUIRE_FIXTURES();
  const std::string f = qo2test::fixture_dir();
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"bad_truncated.pkl", "truncated"},
      {"bad_opcode.pkl", "unknown pickle opcode 0xff"},
      {"bad_mismatch.pkl", "record 3: has 4 atoms but 9 coordinates"},
      {"bad_nan.pkl", "record 2: energy is NaN"},
      {"bad_element.pkl", "record 4: element Si is outside the declared element set"},
      {"dups.pkl", "record 5: duplicate conformer"}};
  for (const auto& [file, needle] : cases) {
    const std::string tmp = labkit::test::fresh_temp_dir("bad");
    std::string out;
    // A good file first: its conformers are already streaming into the shard when the bad one fails.
    const int rc = run(tool() + " pack " + f + "/qo2mol_lists.pkl " + f + "/" + file +
                           " --elements qo2mol --duplicates error --out " + tmp + "/o",
                       &out);
    EXPECT_EQ(rc, 2) << file << "\n" << out;
    EXPECT_NE(out.find(f + "/" + file), std::string::npos) << out;
    EXPECT_NE(out.find(needle), std::string::npos) << file << ": " << out;
    EXPECT_TRUE(shard_files_in(tmp + "/o").empty()) << file;
    fs::remove_all(tmp);
  }
}

TEST(EndToEnd, DuplicatesDroppedOrKeptAndCounted) {
  QO2_REQUIRE_FIXTURES();
  const std::string tmp = labkit::test::fresh_temp_dir("dups");
  const std::string in = qo2test::fixture_dir() + "/dups.pkl";
  ASSERT_EQ(run(tool() + " pack " + in + " --out " + tmp + "/drop --log-level warn"), 0);
  auto m = report_of(tmp + "/drop")["metrics"];
  EXPECT_EQ(m["duplicates_found"], 1);
  EXPECT_EQ(m["conformers_written"], 5);
  ASSERT_EQ(run(tool() + " pack " + in + " --duplicates keep --out " + tmp + "/keep --log-level warn"), 0);
  m = report_of(tmp + "/keep")["metrics"];
  EXPECT_EQ(m["duplicates_found"], 1);
  EXPECT_EQ(m["conformers_written"], 6);
  fs::remove_all(tmp);
}

// Duplicates are known only after the last input (bounded memory, dedup.h), so dropping them compacts
// the shard. With repeats in the middle of the stream, the result must equal a pack that never saw them.
TEST(EndToEnd, DroppedDuplicatesInTheMiddleGiveTheSameDatasetAsNoDuplicates) {
  QO2_REQUIRE_FIXTURES();
  const std::string tmp = labkit::test::fresh_temp_dir("dups_mid");
  const std::string f = qo2test::fixture_dir();
  fs::copy_file(f + "/dups.pkl", tmp + "/dups_again.pkl");
  const std::string tail = f + "/qo2mol_np2_p5.pkl";
  ASSERT_EQ(run(tool() + " pack " + f + "/dups.pkl " + tmp + "/dups_again.pkl " + tail + " --out " + tmp +
                "/p --log-level warn"), 0);
  const auto m = report_of(tmp + "/p")["metrics"];
  EXPECT_EQ(m["duplicates_found"], 7);  // 1 inside dups.pkl + all 6 of its copy
  ASSERT_EQ(run(tool() + " pack " + f + "/dups.pkl " + tail + " --out " + tmp + "/q --log-level warn"), 0);
  EXPECT_EQ(report_of(tmp + "/q")["metrics"]["duplicates_found"], 1);
  EXPECT_EQ(m["conformers_written"], report_of(tmp + "/q")["metrics"]["conformers_written"]);
  ASSERT_EQ(run(tool() + " merge " + tmp + "/p --out " + tmp + "/pm --log-level warn"), 0);
  ASSERT_EQ(run(tool() + " merge " + tmp + "/q --out " + tmp + "/qm --log-level warn"), 0);
  std::string out;
  EXPECT_EQ(run(tool() + " verify " + tmp + "/pm", &out), 0) << out;
  DatasetReader p(tmp + "/pm"), q(tmp + "/qm");
  ASSERT_EQ(p.num_conformers(), q.num_conformers());
  ASSERT_EQ(p.num_molecules(), q.num_molecules());
  ConformerRecord a, b;
  for (std::int64_t g = 0; g < p.num_conformers(); ++g) {
    p.read(g, a);
    q.read(g, b);
    ASSERT_EQ(a.energy, b.energy) << g;
    ASSERT_EQ(a.z, b.z) << g;
    ASSERT_EQ(a.positions, b.positions) << g;
    ASSERT_EQ(a.forces, b.forces) << g;
    ASSERT_EQ(p.molecule(a.molecule).key, q.molecule(b.molecule).key) << g;
  }
  for (std::int64_t mol = 0; mol < p.num_molecules(); ++mol) {
    EXPECT_EQ(p.molecule_conformers(mol), q.molecule_conformers(mol));
    for (auto g : p.molecule_conformers(mol)) EXPECT_EQ(p.molecule_of(g), mol);
  }
  fs::remove_all(tmp);
}

// The molecule table keeps hashes, not formulas, while packing; the message still names both formulas.
TEST(EndToEnd, MoleculeWhoseFormulaChangesIsRefused) {
  const std::string tmp = labkit::test::fresh_temp_dir("formula");
  {
    std::ofstream xyz(tmp + "/two.extxyz");
    xyz << "3\nProperties=species:S:1:pos:R:3 energy=-2081.5 inchikey=XLYOFNOQVPJJNP-UHFFFAOYSA-N\n"
           "O 0 0 0\nH 0.96 0 0\nH -0.24 0.93 0\n"
           "2\nProperties=species:S:1:pos:R:3 energy=-3080.2 inchikey=XLYOFNOQVPJJNP-UHFFFAOYSA-N\n"
           "C 0 0 0\nO 1.13 0 0\n";
  }
  std::string out;
  EXPECT_EQ(run(tool() + " pack " + tmp + "/two.extxyz --energy-unit eV --no-unit-check --out " + tmp + "/o", &out), 2);
  EXPECT_NE(out.find("molecule XLYOFNOQVPJJNP-UHFFFAOYSA-N has formula CO here but H2O in an earlier conformer"),
            std::string::npos) << out;
  EXPECT_FALSE(fs::exists(tmp + "/o/shard-00000-of-00001.h5"));
  fs::remove_all(tmp);
}

TEST(EndToEnd, ShardWrittenTwiceIsRefused) {
  const std::string tmp = labkit::test::fresh_temp_dir("twice");
  const std::string db = qo2test::molecules_dir() + "/schnetpack_test_ethanol.db";
  ASSERT_EQ(run(tool() + " pack " + db + " --force-length Ang --shard 0/2 --out " + tmp + "/a --log-level warn"), 0);
  ASSERT_EQ(run(tool() + " pack " + db + " --force-length Ang --shard 1/2 --out " + tmp + "/b --log-level warn"), 0);
  const std::string shard = tmp + "/a/shard-00000-of-00002.h5";
  const std::string before = sha256_file(shard);
  std::string out;
  EXPECT_EQ(run(tool() + " pack " + db + " --force-length Ang --shard 0/2 --out " + tmp + "/a", &out), 2) << out;
  EXPECT_EQ(sha256_file(shard), before);
  // The same shard index twice in a merge, and a missing one.
  ASSERT_EQ(run(tool() + " pack " + db + " --force-length Ang --shard 0/2 --out " + tmp + "/c --log-level warn"), 0);
  EXPECT_EQ(run(tool() + " merge " + tmp + "/a " + tmp + "/c " + tmp + "/b --out " + tmp + "/m1", &out), 2);
  EXPECT_NE(out.find("shard 0/2 given twice"), std::string::npos) << out;
  EXPECT_EQ(run(tool() + " merge " + tmp + "/a --out " + tmp + "/m2", &out), 2);
  EXPECT_NE(out.find("shards 1 of 2 are missing"), std::string::npos) << out;
  fs::remove_all(tmp);
}

TEST(EndToEnd, VerifyPassesThenCatchesCorruptionAndElements) {
  QO2_REQUIRE_FIXTURES();
  std::string out;
  EXPECT_EQ(run(tool() + " verify " + qo2test::packed_dataset() + " --elements qo2mol", &out), 0) << out;
  EXPECT_EQ(run(tool() + " verify " + qo2test::packed_dataset() + " --elements H,C,N", &out), 2);
  EXPECT_NE(out.find("outside the element set"), std::string::npos) << out;
  const std::string tmp = labkit::test::fresh_temp_dir("corrupt");
  fs::copy(qo2test::packed_dataset(), tmp + "/d", fs::copy_options::recursive);
  const std::string shard = tmp + "/d/shard-00001-of-00003.h5";
  {
    std::fstream f(shard, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(fs::file_size(shard) / 2));
    f.put('\x5a');
  }
  EXPECT_EQ(run(tool() + " verify " + tmp + "/d", &out), 2);
  EXPECT_NE(out.find("shard-00001-of-00003.h5: sha256"), std::string::npos) << out;
  EXPECT_EQ(run(tool() + " inspect " + qo2test::packed_dataset() + " --json", &out), 0) << out;
  fs::remove_all(tmp);
}

TEST(EndToEnd, ByteReproducibleAndCompressionChangesNoValue) {
  const std::string tmp = labkit::test::fresh_temp_dir("repro");
  const std::string db = qo2test::molecules_dir() + "/schnetpack_test_ethanol.db " + qo2test::molecules_dir() +
                         "/schnetpack_test_ani1.db";
  for (const char* name : {"a", "b"}) {
    ASSERT_EQ(run(tool() + " pack " + db + " --force-length Ang --out " + tmp + "/p" + name + " --log-level warn"), 0);
    ASSERT_EQ(run(tool() + " merge " + tmp + "/p" + name + " --seed 3 --out " + tmp + "/m" + name + " --log-level warn"), 0);
  }
  // Same input, same seed: the same bytes (HDF5 object timestamps are off), so manifests are stable.
  EXPECT_EQ(sha256_file(tmp + "/pa/shard-00000-of-00001.h5"), sha256_file(tmp + "/pb/shard-00000-of-00001.h5"));
  EXPECT_EQ(sha256_file(tmp + "/ma/index.h5"), sha256_file(tmp + "/mb/index.h5"));
  // gzip + shuffle storage: identical exported values.
  ASSERT_EQ(run(tool() + " pack " + db + " --force-length Ang --gzip 4 --atom-chunk 64 --out " + tmp + "/pz --log-level warn"), 0);
  ASSERT_EQ(run(tool() + " merge " + tmp + "/pz --seed 3 --out " + tmp + "/mz --log-level warn"), 0);
  ASSERT_EQ(run(tool() + " export " + tmp + "/ma --out " + tmp + "/a --log-level warn"), 0);
  ASSERT_EQ(run(tool() + " export " + tmp + "/mz --out " + tmp + "/z --log-level warn"), 0);
  EXPECT_EQ(sha256_file(tmp + "/a/conformers.xyz"), sha256_file(tmp + "/z/conformers.xyz"));
  fs::remove_all(tmp);
}

TEST(EndToEnd, UpstreamReleaseFilesBecomeANamedSplitAndAreMd5Checked) {
  QO2_REQUIRE_FIXTURES();
  const std::string tmp = labkit::test::fresh_temp_dir("upstream");
  const std::string f = qo2test::fixture_dir();
  // Stand-ins named like the v1.3 release: molecules 0-9 in Train chunk0, 10-19 in Test, and all 20
  // again in Train chunk1, so molecules 10-19 sit in Train and Test at once ("mixed").
  fs::copy_file(f + "/qo2mol_np2_p2.pkl", tmp + "/QO2Mol26_Train_chunk0.pkl");
  fs::copy_file(f + "/qo2mol_np2_p5.pkl", tmp + "/QO2Mol26_Test.pkl");
  std::string out;
  // Their contents are not the release: the published MD5 does not match and pack refuses.
  EXPECT_EQ(run(tool() + " pack " + tmp + "/QO2Mol26_Train_chunk0.pkl --out " + tmp + "/x", &out), 2);
  EXPECT_NE(out.find("differs from the published c69d573573101716666e84a0fc512ff7"), std::string::npos) << out;
  ASSERT_EQ(run(tool() + " pack " + tmp + "/QO2Mol26_Train_chunk0.pkl " + tmp + "/QO2Mol26_Test.pkl --no-md5 --out " +
                tmp + "/p --log-level warn"), 0);
  ASSERT_EQ(run(tool() + " merge " + tmp + "/p --out " + tmp + "/m --log-level warn"), 0);
  {
    DatasetReader ds(tmp + "/m");
    EXPECT_EQ(ds.split_molecules("upstream", "train").size(), 10u);
    EXPECT_EQ(ds.split_molecules("upstream", "test").size(), 10u);
    for (auto m : ds.split_molecules("upstream", "test"))
      for (auto g : ds.molecule_conformers(m)) EXPECT_EQ(ds.molecule_of(g), m);
  }
  fs::copy_file(f + "/qo2mol_np1_p4.pkl", tmp + "/QO2Mol26_Train_chunk1.pkl");
  ASSERT_EQ(run(tool() + " pack " + tmp + "/QO2Mol26_Train_chunk0.pkl " + tmp + "/QO2Mol26_Train_chunk1.pkl " + tmp +
                "/QO2Mol26_Test.pkl --no-md5 --out " + tmp + "/p2 --log-level warn"), 0);
  ASSERT_EQ(run(tool() + " merge " + tmp + "/p2 --out " + tmp + "/m2 --log-level warn"), 0);
  DatasetReader ds(tmp + "/m2");
  EXPECT_EQ(ds.split_molecules("upstream", "mixed").size(), 10u);
  EXPECT_EQ(ds.split_molecules("upstream", "train").size(), 10u);
  EXPECT_TRUE(ds.split_molecules("upstream", "test").empty());
  EXPECT_EQ(run(tool() + " verify " + tmp + "/m2", &out), 0) << out;
  fs::remove_all(tmp);
}

TEST(EndToEnd, MergeRefusesShardsOfDifferentPacks) {
  const std::string tmp = labkit::test::fresh_temp_dir("mixpack");
  const std::string eth = qo2test::molecules_dir() + "/schnetpack_test_ethanol.db";
  const std::string ani = qo2test::molecules_dir() + "/schnetpack_test_ani1.db";
  ASSERT_EQ(run(tool() + " pack " + eth + " --force-length Ang --shard 0/2 --out " + tmp + "/a --log-level warn"), 0);
  ASSERT_EQ(run(tool() + " pack " + ani + " --shard 1/2 --out " + tmp + "/b --log-level warn"), 0);
  std::string out;
  EXPECT_EQ(run(tool() + " merge " + tmp + "/a " + tmp + "/b --out " + tmp + "/m", &out), 2);
  EXPECT_NE(out.find("was packed from other inputs"), std::string::npos) << out;
  fs::remove_all(tmp);
}

TEST(EndToEnd, ExportOneSplitStatsAndInspect) {
  QO2_REQUIRE_FIXTURES();
  const std::string ds_path = qo2test::packed_dataset();
  DatasetReader ds(ds_path);
  const auto test_confs = ds.split_conformers("random", "test");
  const std::string tmp = labkit::test::fresh_temp_dir("split");
  std::string out;
  ASSERT_EQ(run(tool() + " export " + ds_path + " --out " + tmp + "/test --split random --label test --log-level warn", &out), 0) << out;
  std::vector<Conformer> back;
  SourceUnits u;
  read_extxyz(tmp + "/test/conformers.xyz", {}, u, [&](Conformer&& c) { back.push_back(std::move(c)); });
  ASSERT_EQ(back.size(), test_confs.size());
  for (std::size_t k = 0; k < back.size(); ++k) EXPECT_EQ(back[k].energy, ds.energy(test_confs[k]));
  EXPECT_EQ(run(tool() + " export " + ds_path + " --out " + tmp + "/x --split random", &out), 2);  // needs --label
  // Outputs are never positional (issue 13): export writes into --out, and says so without it.
  EXPECT_EQ(run(tool() + " export " + ds_path + " " + tmp + "/old.xyz", &out), 2);
  EXPECT_FALSE(fs::exists(tmp + "/old.xyz"));
  EXPECT_EQ(run(tool() + " export " + ds_path, &out), 2);
  EXPECT_NE(out.find("this command needs --out DIR"), std::string::npos) << out;

  ASSERT_EQ(run(tool() + " stats " + ds_path + " --log-level warn", &out), 0) << out;
  const auto stats = nlohmann::json::parse(out);
  EXPECT_EQ(stats["conformers"].get<std::int64_t>(), ds.num_conformers());
  EXPECT_EQ(stats["molecules"].get<std::int64_t>(), ds.num_molecules());
  EXPECT_EQ(stats["atoms"].get<std::int64_t>(), ds.num_atoms());
  // The linear reference model captures the totals: train residuals are tiny next to the energies.
  EXPECT_LT(std::fabs(stats["energy_minus_reference_eV_by_split"]["train"]["mean"].get<double>()), 1.0);
  EXPECT_GT(std::fabs(stats["energy_eV"]["mean"].get<double>()), 1000.0);

  ASSERT_EQ(run(tool() + " inspect " + ds_path + " --conformers 3", &out), 0) << out;
  EXPECT_NE(out.find("counts    " + std::to_string(ds.num_conformers()) + " conformers"), std::string::npos) << out;
  EXPECT_NE(out.find("split     random"), std::string::npos) << out;
  fs::remove_all(tmp);
}
