// ostquant-calibrate: OSTQuant post-training quantization of a LLaMA-family checkpoint (see README.md).
//   ostquant-calibrate MODEL --out DIR [--set steps=100] [--calib-tokens F --eval-tokens F]   (or --checkpoint MODEL)
//                                      [--calib-text F --eval-text F --tokenizer T] [--resume]
// MODEL: llama2.c .bin, HF directory, model.safetensors or its index .json.
#include <cstdio>

#include "experiment.h"
#include "labkit/core/error.h"
#include "labkit/core/tool.h"
#include "labkit/torchutil/runtime.h"
#include "settings.h"
#include "labkit/core/termination.h"

int main(int argc, char** argv) {
  labkit::ToolSpec spec{"ostquant-calibrate",
                        "OSTQuant post-training quantization of LLaMA models: learned orthogonal and scaling "
                        "transforms, baselines, perplexity, QSUR",
                        labkit::ostquant_calibrate::default_config()};
  spec.uses_device = true;
  spec.uses_resume = true;
  spec.requires_out = true;
  labkit::Tool tool(spec);
  labkit::torchutil::install(tool);
  labkit::ostquant_calibrate::Inputs in;
  auto& app = tool.app();
  std::string checkpoint;
  app.add_option("model", in.model, "llama2.c .bin, HF directory, model.safetensors or index .json (or --checkpoint)");
  app.add_option("--checkpoint", checkpoint, "The model, as in dbattn-bench (flag glossary): the same as MODEL");
  app.add_option("--calib-tokens", in.calib_tokens, "Calibration token-id file (one stream per line)");
  app.add_option("--eval-tokens", in.eval_tokens, "Evaluation token-id file");
  app.add_option("--calib-text", in.calib_text, "Calibration text file (needs --tokenizer)");
  app.add_option("--eval-text", in.eval_text, "Evaluation text file (needs --tokenizer)");
  app.add_option("--tokenizer", in.tokenizer,
                 "SentencePiece .model or llama2.c tokenizer.bin; its vocabulary must be the model's");

  return tool.main(argc, argv, [&](labkit::Run& run) {
    labkit::install_sigterm_handler();  // SIGTERM: checkpoint, then exit 1 (README "Checkpoints")
    if (!checkpoint.empty() && !in.model.empty())
      throw labkit::InputError("the model is given twice (MODEL " + in.model + " and --checkpoint " + checkpoint + ")");
    if (!checkpoint.empty()) in.model = checkpoint;
    if (in.model.empty()) throw labkit::InputError("no model given: ostquant-calibrate MODEL or --checkpoint MODEL");
    const auto settings = labkit::ostquant_calibrate::Settings::from_config(run.config());
    const auto& out = run.out();
    labkit::llama::Model original;
    {
      labkit::ScopedTimer t(run.timings(), "load");
      original = labkit::ostquant_calibrate::load_checked_model(in.model, labkit::torchutil::parse_device(run.device()));
    }
    const labkit::ostquant_calibrate::OnlineOptions online{settings.down_rotation, run.seed()};
    labkit::ostquant_calibrate::check_settings_for_model(settings, original.config, online);
    const auto streams = labkit::ostquant_calibrate::prepare_streams(in, settings, original, run.timings());
    const auto outcome = labkit::ostquant_calibrate::run_methods(settings, original, streams, online, run);
    labkit::ostquant_calibrate::record_metrics(run.metrics(), in, settings, original, streams, online, outcome, out);
    const auto curves = labkit::ostquant_calibrate::training_curves(run.metrics()["results"]);
    if (!curves.empty()) run.report_extra()["curves"] = curves;
    labkit::ostquant_calibrate::write_outputs(out, streams, outcome);
    run.summary().add_text(labkit::ostquant_calibrate::perplexity_table(settings, outcome));
  });
}
