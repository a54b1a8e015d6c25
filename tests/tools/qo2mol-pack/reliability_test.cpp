// Regression tests for the qo2mol-pack items of issue 14, each built from its reproduction: a pack
// directory merged into itself, a pickle of a million nested lists, a full disk, leftovers of killed
// runs, merge with bad fractions.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "digest.h"
#include "fixture.h"
#include "labkit/core/error.h"
#include "pickle.h"
#include "temp_dir.h"

namespace fs = std::filesystem;
using qo2test::run;
using qo2test::tool;

namespace {

std::string ethanol() { return qo2test::molecules_dir() + "/schnetpack_test_ethanol.db"; }

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Names in `dir` other than the run's own bookkeeping (config.json, core's .labkit* lock and run
// files): what a failed run must not leave.
std::vector<std::string> leftovers(const std::string& dir) {
  std::vector<std::string> out;
  if (!fs::exists(dir)) return out;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name != "config.json" && name.rfind(".labkit", 0) != 0) out.push_back(name);
  }
  return out;
}

}  // namespace

TEST(Reliability, MergeIntoAnInputIsRefusedBeforeAnythingIsWritten) {
  const std::string tmp = labkit::test::fresh_temp_dir("self-merge");
  const std::string p = tmp + "/p";
  ASSERT_EQ(run(tool() + " pack " + ethanol() + " --force-length Ang --out " + p + " --log-level warn"), 0);
  const std::string shard = p + "/shard-00000-of-00001.h5";
  const std::string sha = labkit::qo2mol_pack::sha256_file(shard), config = read_text(p + "/config.json"),
                    report = read_text(p + "/report.json");
  std::string out;
  // The reproduction: a finished pack directory merged into itself lost its shard and kept report.json.
  for (const std::string& args : {p + " --force --out " + p, shard + " --force --out " + p, p + " --out " + p + "/merged",
                                  tmp + " --out " + p}) {
    EXPECT_EQ(run(tool() + " merge " + args, &out), 2) << args;
    EXPECT_NE(out.find("overlaps the input"), std::string::npos) << out;
    EXPECT_NE(out.find("choose another --out"), std::string::npos) << out;
  }
  EXPECT_EQ(labkit::qo2mol_pack::sha256_file(shard), sha);
  EXPECT_EQ(read_text(p + "/config.json"), config);  // refused before --out was opened
  EXPECT_EQ(read_text(p + "/report.json"), report);
  EXPECT_FALSE(fs::exists(p + "/merged"));
  EXPECT_FALSE(fs::exists(p + "/index.h5"));
  // A sibling directory is fine.
  EXPECT_EQ(run(tool() + " merge " + p + " --out " + tmp + "/m --log-level warn", &out), 0) << out;
  fs::remove_all(tmp);
}

TEST(Reliability, MillionNestedListsExitTwoWithNothingLeft) {
  const std::string tmp = labkit::test::fresh_temp_dir("nested");
  const std::size_t n = 1000000;  // 2 MB: PROTO 4, n x EMPTY_LIST, (n - 1) x APPEND, STOP
  std::string bytes = "\x80\x04";
  bytes.append(n, ']');
  bytes.append(n - 1, 'a');
  bytes.push_back('.');
  std::ofstream(tmp + "/nested.pkl", std::ios::binary) << bytes;
  std::string out;
  EXPECT_EQ(run(tool() + " pack " + tmp + "/nested.pkl --out " + tmp + "/o", &out), 2) << out;
  EXPECT_NE(out.find("nested.pkl: "), std::string::npos) << out;
  EXPECT_NE(out.find("containers nested more than 200 deep"), std::string::npos) << out;
  EXPECT_TRUE(leftovers(tmp + "/o").empty());
  // The same through the library, and a million-deep object graph built by hand is released without
  // recursion (the destructor is iterative; this crashed with a stack overflow before).
  EXPECT_THROW(labkit::qo2mol_pack::pickle::load(bytes, "nested.pkl"), labkit::InputError);
  {
    auto root = std::make_shared<labkit::qo2mol_pack::pickle::Object>();
    auto* at = root.get();
    for (std::size_t k = 0; k < n; ++k) {
      at->kind = labkit::qo2mol_pack::pickle::Object::Kind::kList;
      at->items.push_back(std::make_shared<labkit::qo2mol_pack::pickle::Object>());
      at = at->items.back().get();
    }
  }
  fs::remove_all(tmp);
}

TEST(Reliability, FullDiskIsOneLineExitOneAndRemovesTemporaries) {
  QO2_REQUIRE_FIXTURES();
  const std::string tmp = labkit::test::fresh_temp_dir("full-disk");
  // A file-size limit makes write() fail (EFBIG) like a full disk once the shard passes 32 KiB;
  // SIGXFSZ is ignored so the write error reaches HDF5, as ENOSPC would.
  const std::string cmd = "bash -c 'trap \"\" XFSZ; ulimit -f 32; exec " + tool() + " pack " + qo2test::fixture_dir() +
                          "/late_key.pkl --out " + tmp + "/o'";
  std::string out;
  EXPECT_EQ(run(cmd, &out), 1) << out;
  EXPECT_NE(out.find("HDF5 failed"), std::string::npos) << out;
  EXPECT_NE(out.find("disk full or not writable?"), std::string::npos) << out;
  EXPECT_EQ(out.find("terminate called"), std::string::npos) << out;
  EXPECT_TRUE(leftovers(tmp + "/o").empty()) << leftovers(tmp + "/o").front();
  fs::remove_all(tmp);
}

TEST(Reliability, TemporariesOfKilledRunsAreRemovedAtStart) {
  const std::string tmp = labkit::test::fresh_temp_dir("stale");
  const std::string o = tmp + "/o";
  fs::create_directories(o);
  // What SIGKILL leaves (PID 4194304 is above any pid_max), and one of a live process (this test).
  const std::string dead_tmp = o + "/.shard-00000-of-00001.h5.tmp.4194304",
                    dead_fp = o + "/.shard-00000-of-00001.h5.fingerprints.4194304",
                    live = o + "/.shard-00000-of-00001.h5.tmp." + std::to_string(::getpid());
  for (const auto& f : {dead_tmp, dead_fp, live}) std::ofstream(f) << std::string(4096, 'x');
  std::string out;
  ASSERT_EQ(run(tool() + " pack " + ethanol() + " --force-length Ang --force --out " + o, &out), 0) << out;
  EXPECT_FALSE(fs::exists(dead_tmp));
  EXPECT_FALSE(fs::exists(dead_fp));
  EXPECT_TRUE(fs::exists(live));
  EXPECT_NE(out.find("left by process 4194304, which is not running"), std::string::npos) << out;
  const auto report = nlohmann::json::parse(read_text(o + "/report.json"));
  EXPECT_EQ(report["metrics"]["stale_temporaries_removed"].size(), 2u);
  fs::remove_all(tmp);
}

TEST(Reliability, MergeWithBadFractionsWritesNothing) {
  const std::string tmp = labkit::test::fresh_temp_dir("fractions");
  ASSERT_EQ(run(tool() + " pack " + ethanol() + " --force-length Ang --out " + tmp + "/p --log-level warn"), 0);
  std::string out;
  EXPECT_EQ(run(tool() + " merge " + tmp + "/p --train 0.9 --val 0.2 --test 0.1 --out " + tmp + "/m", &out), 2);
  EXPECT_NE(out.find("config merge.train/val/test: split fractions (--train/--val/--test) sum to 1.2"),
            std::string::npos) << out;
  EXPECT_TRUE(leftovers(tmp + "/m").empty()) << leftovers(tmp + "/m").front();  // no final-named shard link
  EXPECT_EQ(run(tool() + " merge " + tmp + "/p --train -0.1 --val 0.6 --test 0.5 --out " + tmp + "/m2", &out), 2);
  EXPECT_NE(out.find("config merge.train: must be in [0, 1], got -0.1"), std::string::npos) << out;
  EXPECT_TRUE(leftovers(tmp + "/m2").empty());
  fs::remove_all(tmp);
}

// Issue 14, found again by the fault tests: merge on a full disk crashed (SIGSEGV, exit 139) because the
// index file was closed through HDF5 after a failed write, and left final-named shard links and a
// temporary index behind. Now: one line, exit 1, nothing but the run's bookkeeping left.
TEST(Reliability, MergeOnAFullDiskIsOneLineExitOneAndLeavesNothing) {
  const std::string tmp = labkit::test::fresh_temp_dir("merge-full-disk");
  const std::string inputs = ethanol() + " " + qo2test::molecules_dir() + "/schnetpack_test_ani1.db";
  for (int i = 0; i < 2; ++i)
    ASSERT_EQ(run(tool() + " pack " + inputs + " --force-length Ang --shard " + std::to_string(i) + "/2 --out " + tmp +
                  "/p" + std::to_string(i) + " --log-level warn"), 0);
  std::string out;
  // index.h5 is 26 KB: a 16 KiB file-size limit fails its writes (EFBIG, as ENOSPC would).
  const std::string cmd = "bash -c 'trap \"\" XFSZ; ulimit -f 16; exec " + tool() + " merge " + tmp + "/p0 " + tmp +
                          "/p1 --out " + tmp + "/m'";
  EXPECT_EQ(run(cmd, &out), 1) << out;
  EXPECT_NE(out.find("index.h5: HDF5 "), std::string::npos) << out;
  EXPECT_NE(out.find("(disk full or not writable?)\n"), std::string::npos) << out;
  EXPECT_TRUE(leftovers(tmp + "/m").empty()) << leftovers(tmp + "/m").front();
  // Without the limit the same merge succeeds into the same directory.
  EXPECT_EQ(run(tool() + " merge " + tmp + "/p0 " + tmp + "/p1 --out " + tmp + "/m --log-level warn", &out), 0) << out;
  EXPECT_TRUE(fs::exists(tmp + "/m/index.h5"));
  fs::remove_all(tmp);
}
