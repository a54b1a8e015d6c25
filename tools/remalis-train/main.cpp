// remalis-train: ReMALIS (arXiv 2407.12532) intention propagation for cooperative multi-agent control,
// trained MAPPO-style on a built-in task-allocation environment or on SUMO traffic grids; see README.md.
//   remalis-train train    --out DIR [--resume]    one configuration: train, evaluate, episode logs
//   remalis-train ablation --out DIR [--resume]    every communication mode x level x seed (built-in env)
//   remalis-train bench    --out DIR               environment steps/s (built-in; SUMO with --set env=sumo)
#include "experiments.h"
#include "labkit/core/tool.h"
#include "labkit/torchutil/runtime.h"
#include "settings.h"

using namespace labkit;
using namespace labkit::remalis_train;

int main(int argc, char** argv) {
  ToolSpec spec{"remalis-train",
                "ReMALIS multi-agent coordination (intention propagation, GAT feedback, planning/grounding) trained "
                "MAPPO-style on built-in task allocation or SUMO traffic-signal grids",
                default_config()};
  spec.requires_out = true;
  spec.uses_resume = true;
  Tool tool(spec);
  torchutil::install(tool);
  std::string verb;
  tool.app().add_option("verb", verb, "train | ablation | bench")->required()->check(CLI::IsMember({"train", "ablation", "bench"}));

  return tool.main(argc, argv, [&](Run& run) {
    const auto settings = Settings::from_config(run.config());
    if (verb == "train") run_train(settings, run);
    if (verb == "ablation") run_ablation(settings, run);
    if (verb == "bench") run_bench(settings, run);
  });
}
