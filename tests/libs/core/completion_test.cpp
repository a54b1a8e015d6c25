// Shell completions generated from CLI11 (`--completion bash`): the script parses, and bash offers the
// right words when the completion function runs on a command line (tests/support/bash_complete.sh).
#include "labkit/core/completion.h"

#include <gtest/gtest.h>

#include <fstream>

#include "labkit/core/error.h"
#include "run_command.h"

using labkit::test::run_command;
using labkit::test::shell_quote;

namespace {

const std::string kComplete = std::string(LABKIT_SOURCE_DIR) + "/tests/support/bash_complete.sh";

// A tool shaped like the labkit ones: shared flags, choices, --set, a positional, two subcommands (one
// falls through to the tool's flags, one does not), and a hidden option.
std::unique_ptr<CLI::App> demo_app() {
  auto app = std::make_unique<CLI::App>("demo", "demo-tool");
  static std::string s;
  static std::vector<std::string> v;
  static bool b = false;
  app->add_option("input", s, "an input");
  app->add_option("--set", v, "override");
  app->add_option("--seed", s, "seed");
  app->add_option("--out", s, "output folder");
  app->add_flag("--force,-f", b, "overwrite");
  app->add_option("--log-format", s, "format")->check(CLI::IsMember({"text", "json"}));
  app->add_option("--secret", s, "hidden")->group("");
  auto* sweep = app->add_subcommand("sweep", "a grid");
  sweep->add_option("--grid", s, "grid file");
  sweep->add_option("--axis", s, "axis")->check(CLI::IsMember({"x", "y"}));
  sweep->fallthrough();
  auto* run = app->add_subcommand("run", "one case");
  run->add_flag("--fast", b, "quick");
  return app;
}

// Writes the script for demo_app() and returns the folder it is in (also an empty cwd for file names).
std::string write_demo_script() {
  const std::string dir = labkit::test::fresh_temp_dir("completion_demo");
  std::ofstream(dir + "/demo-tool.bash") << labkit::bash_completion(*demo_app(), {"alpha", "train.lr"});
  return dir;
}

std::string offered(const std::string& dir, const std::string& words) {
  const auto r = run_command("cd " + shell_quote(dir) + " && bash " + shell_quote(kComplete) + " demo-tool.bash " + words);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return r.out;
}

}  // namespace

TEST(Completion, ScriptParsesAndRegistersTheTool) {
  const std::string dir = write_demo_script();
  const auto r = run_command("bash -n " + shell_quote(dir + "/demo-tool.bash"));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const auto c = run_command("bash -c " + shell_quote("source " + dir + "/demo-tool.bash && complete -p demo-tool"));
  EXPECT_EQ(c.out, "complete -F _labkit_complete_demo_tool demo-tool\n");
}

TEST(Completion, OptionsByPrefix) {
  const std::string dir = write_demo_script();
  EXPECT_EQ(offered(dir, "demo-tool --se"), "--set\n--seed\n");  // not the hidden --secret
  EXPECT_EQ(offered(dir, "demo-tool --f"), "--force\n");
  EXPECT_EQ(offered(dir, "demo-tool -"), "--help\n-h\n--set\n--seed\n--out\n--force\n-f\n--log-format\n");
}

TEST(Completion, ChoicesConfigKeysAndFiles) {
  const std::string dir = write_demo_script();
  EXPECT_EQ(offered(dir, "demo-tool --log-format ''"), "text\njson\n");
  EXPECT_EQ(offered(dir, "demo-tool --log-format = j"), "json\n") << "--log-format=j";
  EXPECT_EQ(offered(dir, "demo-tool --set tr"), "train.lr=\n");
  EXPECT_EQ(offered(dir, "demo-tool --set ''"), "alpha=\ntrain.lr=\n");
  EXPECT_EQ(offered(dir, "demo-tool --out demo"), "demo-tool.bash\n");  // a file name
  EXPECT_EQ(offered(dir, "demo-tool --force ''"), "sweep\nrun\ndemo-tool.bash\n");  // verbs, then the positional's files
}

TEST(Completion, SubcommandOptionsAndFallthrough) {
  const std::string dir = write_demo_script();
  EXPECT_EQ(offered(dir, "demo-tool sw"), "sweep\n");
  EXPECT_EQ(offered(dir, "demo-tool sweep --"),
            "--help\n--grid\n--axis\n--help\n--set\n--seed\n--out\n--force\n--log-format\n");
  EXPECT_EQ(offered(dir, "demo-tool sweep --axis ''"), "x\ny\n");
  EXPECT_EQ(offered(dir, "demo-tool sweep --log-format t"), "text\n") << "the tool's option after a falling-through verb";
  EXPECT_EQ(offered(dir, "demo-tool run --"), "--help\n--fast\n") << "run does not fall through";
  EXPECT_EQ(offered(dir, "demo-tool run ''"), "") << "run takes no positional";
}

TEST(Completion, ZshUsesBashcompinitAndOtherShellsAreRefused) {
  const auto app = demo_app();
  const std::string zsh = labkit::completion_script("zsh", *app, {});
  EXPECT_EQ(zsh.rfind("# zsh", 0), 0u);
  EXPECT_NE(zsh.find("bashcompinit && bashcompinit\n"), std::string::npos);
  EXPECT_THROW(labkit::completion_script("fish", *app, {}), labkit::InputError);
}

// The real run loop: the hidden global flag prints the script of the tool's own CLI and exits 0.
TEST(Completion, ToolPrintsItsScript) {
  const std::string dir = labkit::test::fresh_temp_dir("completion_tool");
  const std::string tool = shell_quote(LABKIT_TEST_TOOL);
  const auto r = run_command(tool + " --completion bash");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  std::ofstream(dir + "/labkit-test-tool") << r.out;
  EXPECT_EQ(run_command("bash -n " + shell_quote(dir + "/labkit-test-tool")).exit_code, 0);
  auto words = [&](const std::string& w) {
    return run_command("cd " + shell_quote(dir) + " && bash " + shell_quote(kComplete) + " labkit-test-tool " + w).out;
  };
  EXPECT_EQ(words("labkit-test-tool --se"), "--set\n--seed\n");
  EXPECT_EQ(words("labkit-test-tool --set st"), "steps=\n");
  EXPECT_EQ(words("labkit-test-tool --log-level w"), "warn\n");
  EXPECT_EQ(run_command(tool + " --completion=zsh").exit_code, 0);
  const auto bad = run_command(tool + " --completion fish");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_EQ(bad.err, "labkit-test-tool: --completion: unknown shell 'fish' (bash or zsh)\n");
  EXPECT_EQ(bad.out, "");
  EXPECT_EQ(run_command(tool + " --help").out.find("--completion"), std::string::npos) << "hidden from --help";
}
