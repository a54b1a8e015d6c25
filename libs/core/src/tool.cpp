#include "labkit/core/tool.h"

#include <chrono>
#include <exception>

#include "labkit/core/error.h"
#include "labkit/core/log.h"
#include "labkit/core/report.h"
#include "labkit/core/threads.h"

namespace labkit {

Tool::Tool(ToolSpec spec) : spec_(std::move(spec)), app_(std::make_unique<CLI::App>(spec_.description, spec_.name)) {
  versions_ = core_versions();
  CLI::App& app = *app_;
  app.option_defaults()->always_capture_default();
  if (!spec_.default_config.empty()) {
    app.add_option("--config", config_path_, "JSON config merged over the defaults (unknown keys are rejected)")
        ->check(CLI::ExistingFile);
    // One value per --set, so positional arguments after it are not swallowed as more overrides.
    app.add_option("--set", overrides_, "Override one config value, e.g. --set train.lr=0.001 (repeatable)")
        ->allow_extra_args(false)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  }
  auto* out = app.add_option("--out", out_path_, "Output directory (config.json and report.json go here)");
  if (spec_.requires_out) out->required();
  app.add_flag("--force", force_, "Overwrite results already in --out");
  app.add_option("--seed", seed_, "Random seed; the same seed repeats a run exactly");
  app.add_option("--threads", threads_, "CPU threads (0 = all CPUs this process may use; SLURM_CPUS_PER_TASK in a SLURM job)")->check(CLI::NonNegativeNumber);
  if (spec_.uses_device)
    app.add_option("--device", device_, "Compute device: cpu, cuda or cuda:N");
  if (spec_.uses_resume) app.add_flag("--resume", resume_, "Continue from the checkpoints in --out");
  if (spec_.uses_shard)
    app.add_option("--shard", shard_text_,
                   "Do part i of N of the work (i/N); defaults to SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT");
  app.add_option("--log-format", log_format_, "Log format on stderr: text or json (one object per line)")
      ->check(CLI::IsMember({"text", "json"}));
  app.add_option("--log-level", log_level_, "Least severe level logged: debug, info, warn, error")
      ->check(CLI::IsMember({"debug", "info", "warn", "error"}));
}

Tool::~Tool() = default;

void Tool::add_versions(const VersionList& versions) {
  versions_.insert(versions_.end(), versions.begin(), versions.end());
}

std::string Tool::version_text() const {
  std::string text = spec_.name + " " + labkit_version() + " (git " + git_hash() + ", " + build_type() + ", " +
                     compiler_version() + ")";
  for (const auto& [name, version] : versions_) text += "\n  " + name + " " + version;
  return text;
}

int Tool::main(int argc, char** argv, const std::function<void(Run&)>& body) {
  log::set_tool_name(spec_.name);
  app_->set_version_flag("--version", version_text(), "Print version, git hash and library versions, then exit");
  try {
    app_->parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version arrive here as "errors" with exit code 0.
    if (e.get_exit_code() == 0) return app_->exit(e);
    std::fprintf(stderr, "%s: %s\nRun with --help for usage.\n", spec_.name.c_str(), e.what());
    return kExitBadInput;
  }
  std::vector<std::string> args(argv, argv + argc);
  return run_body(args, body);
}

int Tool::run_body(const std::vector<std::string>& argv, const std::function<void(Run&)>& body) {
  const auto start = std::chrono::steady_clock::now();
  const std::string started = utc_now_iso8601();
  try {
    log::set_format(log::parse_format(log_format_));
    log::set_level(log::parse_level(log_level_));

    Config config(spec_.default_config);
    if (!config_path_.empty()) config.merge_file(config_path_);
    for (const auto& o : overrides_) config.apply_override(o);

    Run run(std::move(config));
    run.seed_ = seed_;
    run.threads_ = threads_ > 0 ? threads_ : default_thread_count();
    run.device_ = device_;
    run.force_ = force_;
    run.resume_ = resume_;
    run.shard_ = shard_text_.empty() ? Shard::from_environment() : Shard::parse(shard_text_);
    if (!out_path_.empty()) {
      const auto policy = force_ ? OutputDir::Policy::kOverwrite
                                 : (resume_ ? OutputDir::Policy::kResume : OutputDir::Policy::kFresh);
      run.out_.emplace(out_path_, policy);
      run.out_->write("config.json", run.config().json().dump(2) + "\n");
    }
    for (auto& hook : start_hooks_) hook(run);

    body(run);

    if (run.out_) {
      nlohmann::json settings{{"seed", run.seed_}, {"threads", run.threads_}, {"force", force_}};
      if (spec_.uses_device) settings["device"] = run.device_;
      if (spec_.uses_resume) settings["resume"] = resume_;
      if (spec_.uses_shard) settings["shard"] = {{"index", run.shard_.index}, {"count", run.shard_.count}};
      ReportHeader header{spec_.name, argv, started,
                          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(),
                          versions_};
      const auto report = make_report(header, settings, run.config().json(), run.metrics_,
                                      run.timings_.to_json(), run.extra_);
      run.out_->write("report.json", report.dump(2) + "\n");
    }
    return kExitOk;
  } catch (const InputError& e) {
    log::error("{}", e.what());
    return kExitBadInput;
  } catch (const std::exception& e) {
    log::error("{}", e.what());
    return kExitRuntimeFailure;
  }
}

const OutputDir& Run::out() const {
  if (!out_) throw InputError("this command needs --out DIR");
  return *out_;
}

}  // namespace labkit
