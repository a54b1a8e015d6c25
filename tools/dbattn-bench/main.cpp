// dbattn-bench: block floating point softmax/attention formats (DB-Attn, arXiv 2502.00026), see README.md.
//   dbattn-bench error --out DIR [--checkpoint M] [--tokens F] [--scores F.safetensors]
//   dbattn-bench ppl   --out DIR --checkpoint M [--tokens F]
//   dbattn-bench speed --out DIR
//   dbattn-bench cost  --out DIR
#include "labkit/core/tool.h"
#include "settings.h"
#include "verbs.h"

using namespace labkit;
using namespace labkit::dbattn_bench;

int main(int argc, char** argv) {
  ToolSpec spec{"dbattn-bench",
                "DBFP / BFP / MX softmax: bit-accurate formats, DH-LUT exp, error vs float64, perplexity "
                "through labkit::llama, CPU kernel speed vs ATen, hardware cost",
                default_config()};
  spec.requires_out = true;
  Tool tool(spec);
  install_torch(tool);
  std::string verb;
  Inputs in;
  auto& app = tool.app();
  app.add_option("verb", verb, "error | ppl | speed | cost")->required()->check(CLI::IsMember(verbs()));
  app.add_option("--checkpoint", in.model.model_path, "LLaMA checkpoint: llama2.c .bin, HF dir, model.safetensors or index .json");
  app.add_option("--tokens", in.model.tokens_path, "token-id streams (default: sampled from the model, seeded)");
  app.add_option("--scores", in.scores, "score rows to evaluate: safetensors, one float32 tensor [rows, n]");

  return tool.main(argc, argv, [&](Run& run) {
    const Settings s = Settings::from_config(run.config());
    run.metrics() = run_verb(verb, s, in, run.seed(), run.threads());
    run.metrics()["verb"] = verb;
    run.summary().add_text(summary_text(verb, run.metrics()));  // core prints it, or the metrics with --json
  });
}
