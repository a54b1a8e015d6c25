// End to end: the nvr-sim binary on a real SuiteSparse matrix, its report.json against the library,
// exit codes for bad input, and a small sweep.
#include <gtest/gtest.h>

#include <map>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <sys/stat.h>

#include "engine.h"
#include "run_command.h"
#include "test_util.h"

namespace {

using labkit::test::run_command;
using labkit::test::shell_quote;

const std::string kBin = std::string(LABKIT_BIN_DIR) + "/nvr-sim";

// A fresh, not yet existing output folder.
std::string out_dir(const std::string& name) { return labkit::test::fresh_temp_dir("nvr_e2e_" + name) + "/out"; }

labkit::test::CommandResult nvr(const std::string& args, const std::string& env = "") {
  return run_command(env + " " + shell_quote(kBin) + " " + args);
}

int run(const std::string& args) { return nvr(args).exit_code; }

bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

// The one error line the contract promises: exit 2, nothing on stdout, and the last line of stderr is
// the only "[error]" line and names the key or file.
void expect_input_error(const labkit::test::CommandResult& r, const std::string& want) {
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(r.out, "");
  ASSERT_FALSE(r.err.empty());
  ASSERT_EQ(r.err.back(), '\n') << r.err;
  const std::string last = r.err.substr(r.err.rfind('\n', r.err.size() - 2) + 1);
  EXPECT_NE(last.find("[error] "), std::string::npos) << r.err;
  EXPECT_NE(last.find(want), std::string::npos) << "last stderr line: " << last;
  EXPECT_EQ(r.err.find("[error]"), r.err.rfind("[error]")) << "one error line: " << r.err;
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
  const auto w = labkit::nvr_sim::make_workload(cfg);
  const auto s = labkit::nvr_sim::simulate(cfg, w);
  cfg.pf.type = "none";
  const auto base = labkit::nvr_sim::simulate(cfg, w);
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

TEST(EndToEnd, BadInputExitsTwoWithOneLineNamingTheKeyOrFile) {
  expect_input_error(nvr("--set nsb.size_kb=0"), "config nsb.size_kb: must be in [1, 1048576], got 0");
  expect_input_error(nvr("--set nsb.size_kb=24"), "nsb.size_kb: number of sets (96)");
  expect_input_error(nvr("--set prefetcher.type=markov"), "prefetcher.type: must be one of none, stride, stream, imp, dvr, nvr, got \"markov\"");
  // Issue 14: these wrapped or crashed (SIGSEGV) before.
  expect_input_error(nvr("--set npu.array_dim=-1"), "config npu.array_dim: must be in [1, 4096], got -1");
  expect_input_error(nvr("--set nsb.size_kb=-16"), "config nsb.size_kb: must be in [1, 1048576], got -16");
  expect_input_error(nvr("--set nsb.size_kb=4294967296"), "config nsb.size_kb");
  expect_input_error(nvr("--set l2.size_kb=4294967296"), "config l2.size_kb");
  const auto bad = nvr_test::temp_file("e2e_bad.mtx", "%%MatrixMarket matrix coordinate real general\n2 2 1\n1 one 2\n");
  expect_input_error(nvr("--set workload.matrix=" + bad), bad + ":3:");
  expect_input_error(nvr("--set workload.matrix=/nonexistent.mtx"), "/nonexistent.mtx");
  const auto huge = nvr_test::temp_file("e2e_huge.mtx", "%%MatrixMarket matrix coordinate pattern general\n4294967295 4294967295 1\n1 1\n");
  expect_input_error(nvr("--set workload.matrix=" + huge), huge + ":2: declares 4294967295 x 4294967295");
  const auto trace = nvr_test::temp_file("e2e_bad.trace", "R 0x1000 4\nR 0xFFFFFFFFFFFFFFF0 4\n");
  expect_input_error(nvr("--set workload.kind=trace --set workload.trace=" + trace), trace + ":2: address + size beyond 2^57");
}

TEST(EndToEnd, StatsCsvHasEveryMetricIntegersAsIntegersAndNoSpeedupWithoutBaseline) {
  const auto out = out_dir("csv");
  const auto r = nvr("--set workload.matrix=" + nvr_test::data("sparse/dwt_878.mtx") + " --set baseline='\"\"' --out " + out);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::ifstream csv(out + "/stats.csv");
  std::map<std::string, std::string> v;
  std::string line;
  std::getline(csv, line);
  while (std::getline(csv, line)) v[line.substr(0, line.find(','))] = line.substr(line.find(',') + 1);
  // Issue 13: refresh stalls and pf.duplicate were missing, counts were printed as 1.27825e+08.
  for (const char* k : {"dram.refresh_stalls", "dram.refresh_wait_cycles", "pf.duplicate", "nsb.evictions",
                        "l2.writebacks_in", "dram.row_conflicts", "nsb.write_misses", "cycles"})
    EXPECT_TRUE(v.count(k)) << k;
  const auto report = read_json(out + "/report.json");
  EXPECT_EQ(v["cycles"], std::to_string(report.at("metrics").at("cycles").get<std::uint64_t>()));
  for (const auto& [k, x] : v) EXPECT_EQ(x.find('e'), std::string::npos) << k << "=" << x;
  EXPECT_EQ(v["speedup"], "");
  EXPECT_TRUE(report.at("metrics").at("speedup").is_null());
  // The summary is on stdout, logs on stderr.
  EXPECT_NE(r.out.find("caches"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("[info]"), std::string::npos) << r.out;
}

TEST(EndToEnd, ProgressLinesWhenNotATerminal) {
  const auto r = nvr("--set workload.matrix=" + nvr_test::data("sparse/bcspwr10.mtx"), "LABKIT_PROGRESS_INTERVAL=0.01");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("simulate nvr"), std::string::npos) << r.err;
  EXPECT_EQ(r.out.find("simulate nvr"), std::string::npos);  // progress stays off stdout
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
  // scripts/plot_report.py draws the sweep from its report.json: speedup against the matrix, a line per
  // prefetcher.
  const auto plot = labkit::test::run_command("/usr/bin/python3 " + std::string(LABKIT_SOURCE_DIR) +
                                              "/scripts/plot_report.py " + out);
  EXPECT_EQ(plot.exit_code, 0) << plot.err;
  EXPECT_EQ(plot.out, out + "/sweep.png\n" + out + "/sweep.svg\n");
  std::ifstream svg_file(out + "/sweep.svg");
  const std::string svg((std::istreambuf_iterator<char>(svg_file)), std::istreambuf_iterator<char>());
  for (const char* text : {"karate", "west0479", "type=nvr", "workload.matrix"})
    EXPECT_NE(svg.find(text), std::string::npos) << text;
  // --shard: the two shards together simulate every case once.
  std::size_t total = 0;
  for (const char* sh : {"0/2", "1/2"}) {
    const auto o = out_dir(std::string("shard") + sh[0]);
    ASSERT_EQ(run("sweep --grid " + grid + " --shard " + sh + " --out " + o), 0);
    total += read_json(o + "/sweep.json").size();
  }
  EXPECT_EQ(total, 4u);
}

TEST(EndToEnd, BadGridsAndFailedSweepsLeaveNothing) {
  // A misspelt "axes" and a claims experiment given to sweep ran one case and exited 0 (issue 13).
  const auto cut = nvr_test::temp_file("cut.json", R"({"axes": )");
  expect_input_error(nvr("sweep --grid " + cut), cut + ": the sweep grid is not valid JSON");
  expect_input_error(nvr("claims --grid " + cut), cut + ": the claims experiment is not valid JSON");
  const auto typo = nvr_test::temp_file("typo.json", R"({"axis": {"prefetcher.type": ["none", "nvr"]}})");
  expect_input_error(nvr("sweep --grid " + typo), "sweep grid: unknown key 'axis'");
  const std::string claims = std::string(LABKIT_SOURCE_DIR) + "/configs/nvr-sim/paper-claims.json";
  expect_input_error(nvr("sweep --grid " + claims), "claims experiment");
  // --set of a key the grid also sets: refused instead of silently overridden.
  const auto grid = nvr_test::temp_file("g2.json", R"({"base": {"workload.rows": 64, "workload.cols": 64}, "axes": {"prefetcher.type": ["none"]}})");
  expect_input_error(nvr("sweep --grid " + grid + " --set workload.rows=128"), "workload.rows");
  // A case with a bad value: exit 2, no sweep.csv / sweep.json (issue 14).
  const auto bad = nvr_test::temp_file("g3.json", R"({"base": {"workload.rows": 64, "workload.cols": 64}, "axes": {"nsb.size_kb": [16, 4294967296]}})");
  const auto out = out_dir("failed");
  expect_input_error(nvr("sweep --grid " + bad + " --out " + out), "nsb.size_kb");
  EXPECT_FALSE(exists(out + "/sweep.csv"));
  EXPECT_FALSE(exists(out + "/sweep.json"));
  EXPECT_FALSE(exists(out + "/report.json"));
}

}  // namespace
