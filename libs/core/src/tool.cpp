#include "labkit/core/tool.h"

#include <chrono>
#include <cstdio>
#include <exception>
#include <filesystem>

#include "labkit/core/atomic_file.h"
#include "labkit/core/error.h"
#include "labkit/core/log.h"
#include "labkit/core/report.h"
#include "labkit/core/threads.h"

namespace labkit {

Tool::Tool(ToolSpec spec) : spec_(std::move(spec)), app_(std::make_unique<CLI::App>(spec_.description, spec_.name)) {
  versions_ = core_versions();
  CLI::App& app = *app_;
  app.option_defaults()->always_capture_default();
  app.set_help_all_flag("--help-all", "Print the help of the tool and of every subcommand, then exit");
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
  app.add_flag("--show-config", show_config_,
               "Print the resolved config (defaults, then --config, then --set) as JSON and exit");
  app.add_option("--log-format", log_format_, "Log format on stderr: text or json (one object per line)")
      ->check(CLI::IsMember({"text", "json"}));
  app.add_option("--log-level", log_level_, "Least severe level logged: debug, info, warn, error")
      ->check(CLI::IsMember({"debug", "info", "warn", "error"}));
}

Tool::~Tool() = default;

namespace {
void relax_required(CLI::App& app) {
  for (CLI::Option* opt : app.get_options()) opt->required(false);
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) relax_required(*sub);
}
}  // namespace

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
  // Added here, not in the constructor, so a tool that declared its own --json keeps it.
  if (app_->get_option_no_throw("--json") == nullptr)
    app_->add_flag("--json", json_, "Print the results (the run's metrics) as one JSON document on stdout");
  // --show-config needs nothing else: required inputs and --out are not required for it.
  for (int i = 1; i < argc; ++i)
    if (std::string(argv[i]) == "--show-config") relax_required(*app_);
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
    if (show_config_) {
      std::printf("%s\n", config.json().dump(2).c_str());
      std::fflush(stdout);
      return kExitOk;
    }

    Run run(std::move(config));
    run.seed_ = seed_;
    run.threads_ = threads_ > 0 ? threads_ : default_thread_count();
    run.device_ = device_;
    run.force_ = force_;
    run.resume_ = resume_;
    run.json_output_ = json_;
    run.shard_ = shard_text_.empty() ? Shard::from_environment() : Shard::parse(shard_text_);
    if (!out_path_.empty()) open_out(run, argv);
    for (auto& hook : start_hooks_) hook(run);

    body(run);

    if (run.deferred_errors_ > 0) {  // the rest of the work's results still reach stdout; no report.json
      print_results(run);  // each error was logged when it happened: one line per bad input
      return kExitBadInput;
    }
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
    print_results(run);
    return kExitOk;
  } catch (const InputError& e) {
    log::error("{}", e.what());
    return kExitBadInput;
  } catch (const std::exception& e) {
    log::error("{}", e.what());
    return kExitRuntimeFailure;
  }
}

// Opens and locks --out, checks a resumed run's config against the one it started with, and records
// this run's config.json (plus the seed, hidden, for later --resume checks).
void Tool::open_out(Run& run, const std::vector<std::string>& argv) const {
  namespace fs = std::filesystem;
  const auto policy = force_ ? OutputDir::Policy::kOverwrite
                             : (resume_ ? OutputDir::Policy::kResume : OutputDir::Policy::kFresh);
  OutputDirOptions options;
  options.tool_has_resume = spec_.uses_resume;
  for (size_t i = 1; i < argv.size(); ++i) {  // arguments naming existing paths are inputs (but --out itself)
    std::error_code ec;
    if (argv[i] != out_path_ && argv[i] != config_path_ && !argv[i].empty() && argv[i][0] != '-' &&
        fs::exists(argv[i], ec))
      options.inputs.push_back(argv[i]);
  }
  run.out_.emplace(out_path_, policy, options);
  if (resume_ && !force_) check_resume_config(run);
  run.out_->write("config.json", run.config().json().dump(2) + "\n");
  run.out_->write(".labkit-run.json", nlohmann::json{{"seed", run.seed_}}.dump() + "\n");
}

void Tool::check_resume_config(const Run& run) const {
  const OutputDir& out = *run.out_;
  if (!out.exists("config.json")) return;  // nothing to continue yet: a fresh start
  nlohmann::json previous;
  try {
    previous = nlohmann::json::parse(read_file(out.file("config.json")));
  } catch (const nlohmann::json::exception& e) {
    throw input_error(out.file("config.json"), std::string("cannot read the config of the run to resume: ") + e.what());
  }
  auto may_change = [&](const std::string& key) {
    for (const auto& k : spec_.resume_may_change)
      if (key == k || key.rfind(k + ".", 0) == 0) return true;
    return false;
  };
  auto shown = [](const nlohmann::json* v) { return v ? v->dump() : std::string("absent"); };
  std::string changes;
  for (const auto& key : run.config().differing_keys(previous)) {
    if (may_change(key)) continue;
    std::string p = "/";
    for (char c : key) p += c == '~' ? std::string("~0") : c == '/' ? std::string("~1") : c == '.' ? std::string("/") : std::string(1, c);
    const nlohmann::json::json_pointer ptr(p);
    const nlohmann::json* before = previous.contains(ptr) ? &previous.at(ptr) : nullptr;
    const nlohmann::json* now = run.config().json().contains(ptr) ? &run.config().json().at(ptr) : nullptr;
    changes += (changes.empty() ? "" : ", ") + key + " (" + shown(before) + " -> " + shown(now) + ")";
  }
  if (out.exists(".labkit-run.json")) {
    try {
      const auto previous_run = nlohmann::json::parse(read_file(out.file(".labkit-run.json")));
      if (previous_run.contains("seed") && previous_run["seed"] != run.seed_)
        changes += (changes.empty() ? "" : ", ") + std::string("--seed (") + previous_run["seed"].dump() + " -> " +
                   std::to_string(run.seed_) + ")";
    } catch (const nlohmann::json::exception&) {
      // an unreadable hidden record only loses the seed check
    }
  }
  if (!changes.empty())
    throw input_error(out.path(), "--resume with settings that differ from the run's: " + changes +
                                      "; resume with the same settings, or start over with --force");
}

void Tool::print_results(Run& run) const {
  if (json_) {
    std::printf("%s\n", run.metrics_.dump(2).c_str());
  } else if (!run.summary_.empty()) {
    std::fputs(run.summary_.render().c_str(), stdout);
  }
  std::fflush(stdout);
}

void Run::defer_input_error(const std::string& message) {
  log::error("{}", message);
  ++deferred_errors_;
}

const OutputDir& Run::out() const {
  if (!out_) throw InputError("this command needs --out DIR");
  return *out_;
}

}  // namespace labkit
