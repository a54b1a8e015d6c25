// puir-train: personalized invariant representations X_h for multi-modal 3D images (PUIR, arXiv
// 2411.06106): a Swin UNETR whose bottleneck attends to a learnable population prior, pulled per patient
// toward an anchor across modalities, trained to reconstruct every modality from any one. `phantom`
// writes a multi-modal MR phantom set; `train`, `eval` (any-to-all synthesis, X_h retrieval) and `embed`
// (X_h to HDF5) run the method.
#include "commands.h"
#include "labkit/imageio/image.h"
#include "labkit/torchutil/runtime.h"
#include "settings.h"

namespace pt = labkit::puir_train;

int main(int argc, char** argv) {
  labkit::ToolSpec spec;
  spec.name = "puir-train";
  spec.description =
      "PUIR: personalized invariant representations (X_h) for multi-modal 3D images; any-to-all synthesis, X_h "
      "retrieval and embedding; multi-modal MR phantoms";
  spec.default_config = pt::default_config();
  spec.uses_device = true;
  spec.uses_resume = true;
  spec.requires_out = true;
  labkit::Tool tool(spec);
  labkit::torchutil::install(tool);
  tool.add_versions(labkit::imageio::versions());
  auto& app = tool.app();
  app.require_subcommand(1);

  pt::PhantomArgs phantom_args;
  auto* phantom = app.add_subcommand("phantom", "Write a multi-modal MR phantom set (NIfTI + dataset.json) into --out");
  phantom->add_option("--cases", phantom_args.cases, "Number of patients");
  phantom->add_option("--val", phantom_args.val, "Of which validation patients");
  phantom->fallthrough();
  std::string manifest, checkpoint, split = "val";
  auto* train = app.add_subcommand("train", "Train PUIR (or the baseline: --set mode=baseline); evaluates the val split");
  train->add_option("--manifest", manifest, "Decathlon-style JSON (training/validation lists of t1n, t1c, t2w, t2f, seg)")
      ->required();
  train->fallthrough();
  auto* eval = app.add_subcommand("eval", "Any-to-all synthesis (MSE/PSNR/SSIM) and X_h retrieval of a trained model");
  eval->add_option("--manifest", manifest, "The cases to score")->required();
  eval->add_option("--checkpoint", checkpoint, "model.safetensors written by train")->required();
  eval->add_option("--split", split, "train or val")->check(CLI::IsMember({"train", "val"}));
  eval->fallthrough();
  auto* embed = app.add_subcommand("embed", "Write X_h of every case and modality to OUT/x_h.h5");
  embed->add_option("--manifest", manifest, "The cases to embed")->required();
  embed->add_option("--checkpoint", checkpoint, "model.safetensors written by train")->required();
  embed->fallthrough();

  return tool.main(argc, argv, [&](labkit::Run& run) {
    if (phantom->parsed()) return pt::phantom_command(phantom_args, run);
    if (eval->parsed()) return pt::eval_command(manifest, checkpoint, split, run);
    if (embed->parsed()) return pt::embed_command(manifest, checkpoint, run);
    pt::train_command(manifest, run);
  });
}
