// cognidual-train: CogniDual (arXiv 2409.03381) on small LLaMA models trained from scratch: a model that
// reasons with chain-of-thought self-trains to answer directly; see README.md.
//   cognidual-train run   --out DIR [--resume]          the whole loop, report.json
//   cognidual-train tasks --out DIR [--task-file F --task-format gsm8k|reclor|logiqa|labkit]
//   cognidual-train generate --out DIR --model M --tokenizer T --prompt P --steps N   timed greedy generation
#include "labkit/core/error.h"
#include "labkit/core/tool.h"
#include "labkit/torchutil/runtime.h"
#include "generation_bench.h"
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
  GenerationBenchRequest gen;
  app.add_option("verb", verb, "run | tasks | generate")->required()->check(CLI::IsMember({"run", "tasks", "generate"}));
  app.add_option("--task-file", task_file, "tasks: a JSONL task file to check and convert (one example per line)");
  app.add_option("--task-format", task_format, "tasks: format of --task-file")
      ->check(CLI::IsMember({"gsm8k", "reclor", "logiqa", "labkit"}));
  app.add_option("--model", gen.model, "generate: llama2.c .bin (e.g. stories260K.bin) or HF model directory");
  app.add_option("--tokenizer", gen.tokenizer, "generate: llama2.c tokenizer.bin or SentencePiece .model");
  app.add_option("--prompt", gen.prompt, "generate: prompt text (encoded with BOS)");
  app.add_option("--steps", gen.steps, "generate: positions in all, prompt included (run.c's -n)")->capture_default_str();
  app.add_option("--repeats", gen.repeats, "generate: timed runs, the fastest is reported")->capture_default_str();

  return tool.main(argc, argv, [&](Run& run) {
    const auto settings = Settings::from_config(run.config());
    if (verb == "generate") {
      if (gen.model.empty() || gen.tokenizer.empty()) throw InputError("generate needs --model and --tokenizer");
      run.metrics() = bench_generation(gen);
      run.summary().add_text(generation_bench_text(run.metrics()));
      return;
    }
    if (verb == "tasks") {
      run.metrics() = write_task_sets(settings, task_file, task_format, run);
      run.summary().add_text(task_sets_text(run.metrics()));
      return;
    }
    run_cognidual(settings, run);
    add_summary(run.metrics(), run.summary());
  });
}
