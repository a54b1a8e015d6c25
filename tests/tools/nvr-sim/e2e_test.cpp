// End to end: the nvr-sim binary on a real SuiteSparse matrix, its report.json against the library,
// exit codes for bad input, and a small sweep.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <sys/wait.h>

#include "engine.h"
#include "test_util.h"

namespace {

const std::string kBin = std::string(LABKIT_BIN_DIR) + "/nvr-sim";

std::string out_dir(const std::string& name) {
  const std::string d = "/tmp/nvr_sim_e2e_" + std::to_string(::getpid()) + "_" + name;
  std::system(("rm -rf " + d).c_str());
  return d;
}

int run(const std::string& args) {
  const int rc = std::system((kBin + " " + args + " > /dev/null 2>&1").c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

TEST(EndToEnd, RunOnRealMatrixMatchesLibraryAndAccountingAddsUp) {
  const std::string mtx = nvr_test::data("sparse/dwt_878.mtx");
  const auto out = out_dir("run");
  ASSERT_EQ(run("run --set workload.matrix=" + mtx + " --set prefetcher.type=nvr --out " + out), 0);
  const auto report = read_json(out + "/report.json");
  const auto& m = report.at("metrics");
  // Same simulation in-process.
  auto cfg = nvr_test::default_cfg();
  cfg.workload.matrix = mtx;
  const auto w = nvr::make_workload(cfg);
  const auto s = nvr::simulate(cfg, w);
  cfg.pf.type = "none";
  const auto base = nvr::simulate(cfg, w);
  EXPECT_EQ(m.at("cycles").get<double>(), double(s.cycles));
  EXPECT_EQ(m.at("baseline").at("cycles").get<std::uint64_t>(), base.cycles);
  EXPECT_NEAR(m.at("speedup").get<double>(), double(base.cycles) / double(s.cycles), 1e-9);
  EXPECT_GT(m.at("speedup").get<double>(), 1.0);  // NVR beats no prefetching on this kernel
  for (const char* lvl : {"nsb", "l2"}) {
    const auto& l = m.at(lvl);
    EXPECT_EQ(l.at("hits").get<double>() + l.at("misses").get<double>(), l.at("accesses").get<double>()) << lvl;
  }
  // 4,163 stored -> 7,448 nonzeros x 4 column tiles of 64 B, all gathered.
  EXPECT_GE(m.at("nsb").at("accesses").get<double>(), 7448.0 * 4);
  EXPECT_TRUE(m.at("invariant_violations").empty());
  const auto& pf = m.at("pf");
  EXPECT_LE(pf.at("useful").get<double>(), pf.at("issued").get<double>());
  EXPECT_NEAR(pf.at("accuracy").get<double>(), pf.at("useful").get<double>() / pf.at("issued").get<double>(), 1e-9);
  // Without prefetching every DRAM read is a primary L2 miss.
  const auto out2 = out_dir("none");
  ASSERT_EQ(run("--set workload.matrix=" + mtx + " --set prefetcher.type=none --out " + out2), 0);
  const auto report2 = read_json(out2 + "/report.json");
  const auto& n = report2.at("metrics");
  EXPECT_EQ(n.at("dram").at("reads").get<double>(),
            n.at("l2").at("misses").get<double>() - n.at("l2").at("mshr_merges").get<double>());
  EXPECT_EQ(n.at("cycles").get<double>(), double(base.cycles));
  std::ifstream csv(out + "/stats.csv");
  std::string header;
  std::getline(csv, header);
  EXPECT_EQ(header, "metric,value");
  EXPECT_TRUE(std::ifstream(out + "/stats.json").good());
}

TEST(EndToEnd, BadInputExitsTwo) {
  EXPECT_EQ(run("--set nsb.size_kb=0"), 2);
  EXPECT_EQ(run("--set nsb.size_kb=24"), 2);
  EXPECT_EQ(run("--set prefetcher.type=markov"), 2);
  const auto bad = nvr_test::temp_file("e2e_bad.mtx", "%%MatrixMarket matrix coordinate real general\n2 2 1\n1 one 2\n");
  EXPECT_EQ(run("--set workload.matrix=" + bad), 2);
  EXPECT_EQ(run("--set workload.matrix=/nonexistent.mtx"), 2);
}

TEST(EndToEnd, SweepWritesOneTable) {
  const auto grid = nvr_test::temp_file(
      "grid.json", nlohmann::json{{"base", {{"workload.dense_cols", 32}}},
                                  {"axes",
                                   {{"prefetcher.type", {"none", "nvr"}},
                                    {"workload.matrix", {nvr_test::data("sparse/karate.mtx"),
                                                         nvr_test::data("sparse/west0479.mtx")}}}}}
                       .dump());
  const auto out = out_dir("sweep");
  ASSERT_EQ(run("sweep --grid " + grid + " --threads 2 --out " + out), 0);
  std::ifstream csv(out + "/sweep.csv");
  std::string line;
  int rows = 0;
  std::getline(csv, line);
  EXPECT_EQ(line.rfind("case,workload,prefetcher,speedup", 0), 0u);
  while (std::getline(csv, line)) ++rows;
  EXPECT_EQ(rows, 4);
  const auto j = read_json(out + "/sweep.json");
  ASSERT_EQ(j.size(), 4u);
  for (const auto& r : j) {
    if (r.at("set").at("prefetcher.type") == "none") {
      EXPECT_DOUBLE_EQ(r.at("speedup").get<double>(), 1.0);
    }
  }
}

}  // namespace
