// ostquant-calibrate: OSTQuant post-training quantization of a LLaMA-family checkpoint (see README.md).
//   ostquant-calibrate MODEL --out DIR [--set steps=100] [--calib-tokens F --eval-tokens F]
//                                      [--calib-text F --eval-text F --tokenizer T] [--resume]
// MODEL: llama2.c .bin, HF directory, model.safetensors or its index .json.
#include <cstdio>

#include "experiment.h"
#include "labkit/core/tool.h"
#include "labkit/torch/runtime.h"
#include "settings.h"
#include "labkit/core/termination.h"

int main(int argc, char** argv) {
  labkit::ToolSpec spec{"ostquant-calibrate",
                        "OSTQuant post-training quantization of LLaMA models: learned orthogonal and scaling "
                        "transforms, baselines, perplexity, QSUR",
                        ostq::default_config()};
  spec.uses_device = true;
  spec.uses_resume = true;
  spec.requires_out = true;
  labkit::Tool tool(spec);
  labkit::torchrt::install(tool);
  ostq::Inputs in;
  auto& app = tool.app();
  app.add_option("model", in.model, "llama2.c .bin, HF directory, model.safetensors or index .json")->required();
  app.add_option("--calib-tokens", in.calib_tokens, "Calibration token-id file (one stream per line)");
  app.add_option("--eval-tokens", in.eval_tokens, "Evaluation token-id file");
  app.add_option("--calib-text", in.calib_text, "Calibration text file (needs --tokenizer)");
  app.add_option("--eval-text", in.eval_text, "Evaluation text file (needs --tokenizer)");
  app.add_option("--tokenizer", in.tokenizer,
                 "SentencePiece .model or llama2.c tokenizer.bin; its vocabulary must be the model's");

  return tool.main(argc, argv, [&](labkit::Run& run) {
    labkit::install_sigterm_handler();  // SIGTERM: checkpoint, then exit 1 (README "Checkpoints")
    const auto settings = ostq::Settings::from_config(run.config());
    const auto& out = run.out();
    labkit::llama::Model original;
    {
      labkit::ScopedTimer t(run.timings(), "load");
      original = ostq::load_checked_model(in.model, labkit::torchrt::parse_device(run.device()));
    }
    const ostq::OnlineOptions online{settings.down_rotation, run.seed()};
    ostq::check_settings_for_model(settings, original.config, online);
    const auto streams = ostq::prepare_streams(in, settings, original, run.timings());
    const auto outcome = ostq::run_methods(settings, original, streams, online, run);
    ostq::record_metrics(run.metrics(), in, settings, original, streams, online, outcome, out);
    ostq::write_outputs(out, streams, outcome);
    run.summary().add_text(ostq::perplexity_table(settings, outcome));
  });
}
