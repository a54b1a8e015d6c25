#include "fixture.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>

namespace fs = std::filesystem;

namespace qo2test {
namespace {

std::string base_dir() { return std::string(LABKIT_BIN_DIR) + "/../tests/qo2mol-pack-fixtures"; }

// Runs `make` once across processes: the first takes the lock and builds, the others wait for it.
void once(const std::string& stamp, const std::function<bool()>& make) {
  fs::create_directories(base_dir());
  const std::string lock_path = base_dir() + "/.lock";
  const int fd = ::open(lock_path.c_str(), O_CREAT | O_RDWR, 0644);
  ::flock(fd, LOCK_EX);
  if (!fs::exists(stamp) && make()) std::ofstream(stamp) << "ok\n";
  ::flock(fd, LOCK_UN);
  ::close(fd);
}

nlohmann::json load(const std::string& path) {
  std::ifstream in(path);
  if (!in) return nlohmann::json::object();
  return nlohmann::json::parse(in);
}

}  // namespace

std::string molecules_dir() { return std::string(LABKIT_SHARED_DATA_DIR) + "/molecules"; }
std::string tool() { return std::string(LABKIT_BIN_DIR) + "/qo2mol-pack"; }

int run(const std::string& cmd, std::string* output) {
  const auto r = labkit::test::run_command(cmd);
  if (output) *output = r.out + r.err;
  return r.exit_code;
}

const std::string& fixture_dir() {
  static const std::string dir = [] {
    const std::string d = base_dir() + "/inputs";
    once(base_dir() + "/inputs.stamp", [&] {
      const std::string cmd = "/usr/bin/python3 " + std::string(LABKIT_SOURCE_DIR) +
                              "/tests/tools/qo2mol-pack/make_fixtures.py " + d + " " + molecules_dir() +
                              "/schnetpack_test_qm9.db";
      std::string out;
      const int rc = run(cmd, &out);
      if (rc != 0) std::fprintf(stderr, "fixture generation failed (%d):\n%s\n", rc, out.c_str());
      return rc == 0;
    });
    return fs::exists(base_dir() + "/inputs.stamp") ? d : std::string();
  }();
  return dir;
}

const std::string& xtb_fixture_dir() {
  static const std::string dir = [] {
    if (!fs::exists("/usr/bin/xtb") || !fs::exists("/usr/share/chemical-structures")) return std::string();
    const std::string d = base_dir() + "/xtb";
    once(base_dir() + "/xtb.stamp", [&] {
      std::string out;
      const int rc = run("/usr/bin/python3 " + std::string(LABKIT_SOURCE_DIR) +
                             "/tests/tools/qo2mol-pack/make_xtb_fixture.py " + d, &out);
      if (rc != 0) std::fprintf(stderr, "xtb fixture failed (%d):\n%s\n", rc, out.c_str());
      return rc == 0;
    });
    return fs::exists(base_dir() + "/xtb.stamp") ? d : std::string();
  }();
  return dir;
}

const nlohmann::json& expected() {
  static const nlohmann::json j = load(fixture_dir() + "/expected.json");
  return j;
}

const nlohmann::json& ase_expected() {
  static const nlohmann::json j = load(fixture_dir() + "/ase_expected.json");
  return j;
}

const std::string& packed_dataset() {
  static const std::string dir = [] {
    const std::string d = base_dir() + "/packed";
    const std::string shards = base_dir() + "/shards";
    once(base_dir() + "/packed.stamp", [&] {
      const std::string f = fixture_dir();
      const std::string m = molecules_dir();
      const std::string inputs = f + "/qo2mol_np1_p4.pkl " + f + "/qo2mol_np2_p2.pkl " + f + "/qo2mol_np2_p5.pkl " +
                                 f + "/frames.extxyz " + f + "/mols.sdf " + f + "/spice.h5 " + m +
                                 "/schnetpack_test_ethanol.db " + m + "/schnetpack_test_ani1.db";
      fs::remove_all(d);
      fs::remove_all(shards);
      for (int i = 0; i < 3; ++i) {
        const std::string cmd = tool() + " pack " + inputs + " --elements qo2mol --force-length Ang --shard " + std::to_string(i) +
                                "/3 --out " + shards + "/s" + std::to_string(i) + " --log-level warn";
        std::string out;
        if (run(cmd, &out) != 0) {
          std::fprintf(stderr, "%s\n%s\n", cmd.c_str(), out.c_str());
          return false;
        }
      }
      std::string out;
      const std::string cmd = tool() + " merge " + shards + "/s0 " + shards + "/s1 " + shards + "/s2 --seed 7 --out " + d +
                              " --log-level warn";
      if (run(cmd, &out) != 0) {
        std::fprintf(stderr, "%s\n%s\n", cmd.c_str(), out.c_str());
        return false;
      }
      return true;
    });
    return d;
  }();
  return dir;
}

}  // namespace qo2test
