// The shared run loop: exit codes, config resolution, and what lands in --out.
#include "labkit/core/tool.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "labkit/core/atomic_file.h"
#include "labkit/core/error.h"
#include "temp_dir.h"

namespace fs = std::filesystem;

namespace {

labkit::ToolSpec spec() {
  labkit::ToolSpec s{"demo-tool", "a test tool", nlohmann::json{{"alpha", 1.5}, {"steps", 3}}};
  s.uses_shard = true;
  return s;
}

int run_tool(std::vector<std::string> args, const std::function<void(labkit::Run&)>& body) {
  labkit::Tool tool(spec());
  args.insert(args.begin(), "demo-tool");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  return tool.main(static_cast<int>(argv.size()), argv.data(), body);
}

// A path that does not exist yet, in a folder of its own.
std::string fresh(const std::string& name) { return labkit::test::fresh_temp_dir(name) + "/out"; }

}  // namespace

TEST(Tool, WritesConfigAndReport) {
  const std::string out = fresh("labkit_tool_ok");
  double seen_alpha = 0;
  const int rc = run_tool({"--out", out, "--set", "alpha=2", "--seed", "7", "--shard", "1/3"}, [&](labkit::Run& run) {
    seen_alpha = run.config().get<double>("alpha");
    EXPECT_EQ(run.seed(), 7u);
    EXPECT_EQ(run.shard().index, 1);
    run.metrics()["answer"] = 42;
  });
  ASSERT_EQ(rc, 0);
  EXPECT_DOUBLE_EQ(seen_alpha, 2.0);
  const auto config = nlohmann::json::parse(labkit::read_file(out + "/config.json"));
  EXPECT_DOUBLE_EQ(config["alpha"].get<double>(), 2.0);
  const auto report = nlohmann::json::parse(labkit::read_file(out + "/report.json"));
  EXPECT_EQ(report["tool"], "demo-tool");
  EXPECT_EQ(report["metrics"]["answer"], 42);
  EXPECT_EQ(report["run"]["seed"], 7);
  EXPECT_EQ(report["run"]["shard"]["count"], 3);
  EXPECT_TRUE(report["versions"].contains("fmt"));
  EXPECT_FALSE(report["git"].get<std::string>().empty());
}

TEST(Tool, SetTakesOneValueEachTimeAndLeavesPositionalsAlone) {
  labkit::Tool tool(spec());
  std::vector<std::string> files;
  tool.app().add_option("files", files, "inputs");
  std::vector<std::string> args{"demo-tool", "--set", "alpha=3", "a.nii", "--set", "steps=5", "b.nii"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  double alpha = 0;
  int steps = 0;
  const int rc = tool.main(static_cast<int>(argv.size()), argv.data(), [&](labkit::Run& run) {
    alpha = run.config().get<double>("alpha");
    steps = run.config().get<int>("steps");
  });
  ASSERT_EQ(rc, 0);
  EXPECT_DOUBLE_EQ(alpha, 3.0);
  EXPECT_EQ(steps, 5);
  EXPECT_EQ(files, (std::vector<std::string>{"a.nii", "b.nii"}));
}

TEST(Tool, ExitCodes) {
  EXPECT_EQ(run_tool({"--help"}, [](labkit::Run&) {}), 0);
  EXPECT_EQ(run_tool({"--version"}, [](labkit::Run&) {}), 0);
  EXPECT_EQ(run_tool({"--no-such-flag"}, [](labkit::Run&) {}), 2);
  EXPECT_EQ(run_tool({"--set", "bogus=1"}, [](labkit::Run&) {}), 2);
  EXPECT_EQ(run_tool({"--shard", "4/4"}, [](labkit::Run&) {}), 2);
  EXPECT_EQ(run_tool({}, [](labkit::Run&) { throw labkit::InputError("x.nii: corrupt header"); }), 2);
  EXPECT_EQ(run_tool({}, [](labkit::Run&) { throw std::runtime_error("numerical failure"); }), 1);
}

TEST(Tool, FailedRunWritesNoReportAndRerunProceeds) {
  const std::string out = fresh("labkit_tool_fail");
  EXPECT_EQ(run_tool({"--out", out}, [](labkit::Run& run) {
              run.out().write("partial.bin", "x");
              throw std::runtime_error("boom");
            }),
            1);
  EXPECT_FALSE(fs::exists(out + "/report.json"));
  EXPECT_TRUE(fs::exists(out + "/partial.bin"));
  // No report.json: the directory holds no results, so a plain rerun clears it and proceeds.
  EXPECT_EQ(run_tool({"--out", out}, [](labkit::Run&) {}), 0);
  EXPECT_TRUE(fs::exists(out + "/report.json"));
  EXPECT_FALSE(fs::exists(out + "/partial.bin"));
  // Now it holds results: refused without --force.
  EXPECT_EQ(run_tool({"--out", out}, [](labkit::Run&) {}), 2);
  EXPECT_EQ(run_tool({"--out", out, "--force"}, [](labkit::Run&) {}), 0);
}

TEST(Tool, FailedForceRunLeavesNoOldReport) {
  const std::string out = fresh("labkit_tool_force_fail");
  ASSERT_EQ(run_tool({"--out", out}, [](labkit::Run& run) { run.metrics()["x"] = 1; }), 0);
  ASSERT_TRUE(fs::exists(out + "/report.json"));
  EXPECT_EQ(run_tool({"--out", out, "--force", "--set", "steps=9"}, [](labkit::Run&) { throw std::runtime_error("boom"); }), 1);
  EXPECT_FALSE(fs::exists(out + "/report.json")) << "the old report must not sit beside the new config";
  EXPECT_EQ(nlohmann::json::parse(labkit::read_file(out + "/config.json"))["steps"], 9);
}

TEST(Tool, SummaryOnStdoutAfterSuccess) {
  testing::internal::CaptureStdout();
  const int rc = run_tool({}, [](labkit::Run& run) {
    run.metrics()["loss"] = 0.25;
    run.summary().add("loss", 0.25).add("steps", 3);
  });
  const std::string out = testing::internal::GetCapturedStdout();
  ASSERT_EQ(rc, 0);
  EXPECT_EQ(out, "loss   0.25\nsteps  3\n");
}

TEST(Tool, JsonPrintsTheMetricsInstead) {
  testing::internal::CaptureStdout();
  const int rc = run_tool({"--json"}, [](labkit::Run& run) {
    EXPECT_TRUE(run.json_output());
    run.metrics()["loss"] = 0.25;
    run.metrics()["steps"] = 3;
    run.summary().add("loss", 0.25);
  });
  const std::string out = testing::internal::GetCapturedStdout();
  ASSERT_EQ(rc, 0);
  const auto j = nlohmann::json::parse(out);  // one JSON document, nothing else
  EXPECT_DOUBLE_EQ(j["loss"].get<double>(), 0.25);
  EXPECT_EQ(j["steps"], 3);
}

TEST(Tool, NothingOnStdoutWhenTheBodyFails) {
  testing::internal::CaptureStdout();
  const int rc = run_tool({"--json"}, [](labkit::Run& run) {
    run.summary().add("loss", 0.25);
    throw labkit::InputError("x.nii: corrupt");
  });
  EXPECT_EQ(rc, 2);
  EXPECT_EQ(testing::internal::GetCapturedStdout(), "");
}

TEST(Tool, DeferredInputErrorPrintsTheRestThenExits2) {
  const std::string out = fresh("labkit_tool_deferred");
  testing::internal::CaptureStdout();
  const int rc = run_tool({"--out", out}, [](labkit::Run& run) {
    run.defer_input_error("bad.nii: corrupt header");
    run.summary().add("described", 2);
  });
  EXPECT_EQ(rc, 2);
  EXPECT_EQ(testing::internal::GetCapturedStdout(), "described  2\n");
  EXPECT_FALSE(fs::exists(out + "/report.json"));
}

TEST(Tool, ShowConfigPrintsResolvedConfigAndRunsNothing) {
  const std::string out = fresh("labkit_tool_show_config");
  bool ran = false;
  testing::internal::CaptureStdout();
  const int rc = run_tool({"--show-config", "--set", "steps=8", "--out", out}, [&](labkit::Run&) { ran = true; });
  const auto j = nlohmann::json::parse(testing::internal::GetCapturedStdout());
  EXPECT_EQ(rc, 0);
  EXPECT_FALSE(ran);
  EXPECT_EQ(j, (nlohmann::json{{"alpha", 1.5}, {"steps", 8}}));
  EXPECT_FALSE(fs::exists(out)) << "--show-config writes nothing";
}

TEST(Tool, ToolsOwnJsonFlagIsKept) {
  labkit::Tool tool(spec());
  bool mine = false;
  tool.app().add_flag("--json", mine, "the tool's own");
  std::vector<std::string> args{"demo-tool", "--json"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  bool core_json = true;
  EXPECT_EQ(tool.main(2, argv.data(), [&](labkit::Run& run) { core_json = run.json_output(); }), 0);
  EXPECT_TRUE(mine);
  EXPECT_FALSE(core_json);
}

TEST(Tool, VersionTextNamesLibraries) {
  labkit::Tool tool(spec());
  tool.add_versions({{"HDF5", "1.10.8"}});
  const std::string v = tool.version_text();
  EXPECT_NE(v.find("demo-tool"), std::string::npos);
  EXPECT_NE(v.find("CLI11"), std::string::npos);
  EXPECT_NE(v.find("HDF5 1.10.8"), std::string::npos);
}

TEST(Tool, ShowConfigNeedsNoRequiredArguments) {
  labkit::ToolSpec s = spec();
  s.requires_out = true;
  labkit::Tool tool(s);
  std::string input;
  tool.app().add_option("input", input, "required input")->required();
  std::vector<std::string> args{"demo-tool", "--show-config"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  testing::internal::CaptureStdout();
  const int rc = tool.main(2, argv.data(), [](labkit::Run&) { FAIL() << "the body must not run"; });
  const auto j = nlohmann::json::parse(testing::internal::GetCapturedStdout());
  EXPECT_EQ(rc, 0);
  EXPECT_EQ(j["steps"], 3);
}

TEST(Tool, HelpAllListsSubcommandOptions) {
  labkit::Tool tool(spec());
  auto* sub = tool.app().add_subcommand("pack", "pack things");
  int level = 0;
  sub->add_option("--level", level, "compression level of pack");
  std::vector<std::string> args{"demo-tool", "--help-all"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  testing::internal::CaptureStdout();
  const int rc = tool.main(2, argv.data(), [](labkit::Run&) { FAIL() << "the body must not run"; });
  const std::string out = testing::internal::GetCapturedStdout();
  EXPECT_EQ(rc, 0);
  EXPECT_NE(out.find("compression level of pack"), std::string::npos) << out;
  EXPECT_NE(out.find("--show-config"), std::string::npos) << out;
}
