// cognidual-train: CogniDual (arXiv 2409.03381) on small LLaMA models trained from scratch: a model that
// reasons with chain-of-thought self-trains to answer directly; see README.md.
//   cognidual-train run   --out DIR [--resume]          the whole loop, report.json
//   cognidual-train tasks --out DIR [--task-file F --task-format gsm8k|reclor|logiqa|labkit]
#include "labkit/core/tool.h"
#include "labkit/torchutil/runtime.h"
#include "pipeline.h"
#include "settings.h"
#include "task_files.h"

using namespace labkit;
using namespace labkit::cognidual_train;

int main(int argc, char** argv) {
  ToolSpec spec{"cognidual-train",
                "CogniDual self-training: a small LLaMA trained to answer with chain-of-thought learns to answer "
                "directly from its own CoT; direct vs CoT accuracy, tokens and latency before and after",
                default_config()};
  spec.requires_out = true;
  spec.uses_resume = true;
  Tool tool(spec);
  torchutil::install(tool);
  auto& app = tool.app();
  std::string verb, task_file, task_format = "labkit";
  app.add_option("verb", verb, "run | tasks")->required()->check(CLI::IsMember({"run", "tasks"}));
  app.add_option("--task-file", task_file, "tasks: a JSONL task file to check and convert (one example per line)");
  app.add_option("--task-format", task_format, "tasks: format of --task-file")
      ->check(CLI::IsMember({"gsm8k", "reclor", "logiqa", "labkit"}));

  return tool.main(argc, argv, [&](Run& run) {
    const auto settings = Settings::from_config(run.config());
    if (verb == "tasks") {
      run.metrics() = write_task_sets(settings, task_file, task_format, run);
      run.summary().add_text(task_sets_text(run.metrics()));
      return;
    }
    run_cognidual(settings, run);
    add_summary(run.metrics(), run.summary());
  });
}
