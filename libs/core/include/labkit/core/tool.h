// The shared command line of every labkit tool and the run loop around a tool's body.
//
//   labkit::Tool tool({"my-tool", "what it does", defaults});
//   tool.app().add_option("input", input, "...")->required();
//   return tool.main(argc, argv, [&](labkit::Run& run) { ... run.metrics()["x"] = 1; });
//
// main() parses flags (CLI11), resolves the config (--config then --set), opens and locks --out, calls the
// body, writes config.json and report.json beside the outputs, then prints the results on stdout:
// run.summary() as aligned text, or with --json run.metrics() as one JSON document. Core prints nothing
// else on stdout (logs and progress go to stderr); --show-config prints the resolved config and exits.
// Exit codes: 0 ok, 2 usage or bad input (labkit::InputError, CLI parse errors), 1 any other failure.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "labkit/core/config.h"
#include "labkit/core/output_dir.h"
#include "labkit/core/shard.h"
#include "labkit/core/summary.h"
#include "labkit/core/timer.h"
#include "labkit/core/version.h"

namespace labkit {

struct ToolSpec {
  std::string name;
  std::string description;
  nlohmann::json default_config = nlohmann::json::object();
  bool uses_device = false;   // --device cpu|cuda[:N] (torch tools)
  bool uses_shard = false;    // --shard i/N (data jobs)
  bool uses_resume = false;   // --resume (long jobs with checkpoints)
  bool requires_out = false;  // --out is mandatory
  // Config keys (dotted) that --resume may change from OUT/config.json; any other change is refused.
  std::vector<std::string> resume_may_change = {};
};

class Run;

class Tool {
 public:
  explicit Tool(ToolSpec spec);
  ~Tool();

  CLI::App& app() { return *app_; }
  const ToolSpec& spec() const { return spec_; }
  // Library versions shown by --version and recorded in report.json.
  void add_versions(const VersionList& versions);
  // Called after parsing, before the body: applies --threads, --seed, --device to libraries.
  void on_start(std::function<void(Run&)> hook) { start_hooks_.push_back(std::move(hook)); }

  std::string version_text() const;
  int main(int argc, char** argv, const std::function<void(Run&)>& body);

 private:
  int run_body(const std::vector<std::string>& argv, const std::function<void(Run&)>& body);
  void open_out(Run& run, const std::vector<std::string>& argv) const;
  void check_resume_config(const Run& run) const;
  void print_results(Run& run) const;

  ToolSpec spec_;
  std::unique_ptr<CLI::App> app_;
  VersionList versions_;
  std::vector<std::function<void(Run&)>> start_hooks_;

  // Raw flag values.
  std::string config_path_;
  std::vector<std::string> overrides_;
  std::string out_path_;
  std::uint64_t seed_ = 0;
  int threads_ = 0;
  std::string device_ = "cpu";
  std::string shard_text_;
  bool force_ = false;
  bool resume_ = false;
  bool json_ = false;
  bool show_config_ = false;
  std::string log_format_ = "text";
  std::string log_level_ = "info";
};

// One invocation: resolved settings and the sinks that end up in report.json.
class Run {
 public:
  const Config& config() const { return config_; }
  std::uint64_t seed() const { return seed_; }
  int threads() const { return threads_; }  // resolved: never 0
  const std::string& device() const { return device_; }
  const Shard& shard() const { return shard_; }
  bool force() const { return force_; }
  bool resume() const { return resume_; }

  bool has_out() const { return out_.has_value(); }
  const OutputDir& out() const;  // throws InputError if --out was not given

  Timings& timings() { return timings_; }
  nlohmann::json& metrics() { return metrics_; }
  // The results table printed on stdout after a successful body (not with --json).
  Summary& summary() { return summary_; }
  // Whether --json was given: stdout gets run.metrics() instead of the summary.
  bool json_output() const { return json_output_; }
  // Bad input that should not stop the rest of the work (one unreadable file of many): logged now, and the
  // run ends with exit 2 after its results are printed; report.json is not written.
  void defer_input_error(const std::string& message);
  std::size_t deferred_errors() const { return deferred_errors_; }
  // Extra top-level sections of report.json (e.g. "inputs", "environment").
  nlohmann::json& report_extra() { return extra_; }

 private:
  friend class Tool;
  explicit Run(Config config) : config_(std::move(config)) {}
  Config config_;
  std::uint64_t seed_ = 0;
  int threads_ = 0;
  std::string device_;
  Shard shard_;
  bool force_ = false, resume_ = false, json_output_ = false;
  std::size_t deferred_errors_ = 0;
  std::optional<OutputDir> out_;
  Timings timings_;
  nlohmann::json metrics_ = nlohmann::json::object();
  nlohmann::json extra_ = nlohmann::json::object();
  Summary summary_;
};

}  // namespace labkit
