// semisam-train: semi-supervised 3D segmentation (SemiSAM+, arXiv 2502.20749). A specialist (unet_3D or
// V-Net) learns from a few labeled and many unlabeled volumes by supervised-only training, Mean Teacher
// or UA-MT, optionally guided by frozen SAM-Med3D-family generalists prompted from its own predictions.
// `synth` writes a synthetic left-atrium-like task; `predict` segments volumes with a trained model;
// `probe-generalist` measures how informative a generalist is on the task.
#include "commands.h"
#include "labkit/imageio/image.h"
#include "labkit/torchutil/runtime.h"
#include "settings.h"
#include "synthetic.h"

namespace st = labkit::semisam_train;

int main(int argc, char** argv) {
  labkit::ToolSpec spec;
  spec.name = "semisam-train";
  spec.description =
      "Semi-supervised 3D segmentation: supervised / Mean Teacher / UA-MT specialists with frozen SAM-Med3D "
      "generalists prompted from the specialist (SemiSAM+)";
  spec.default_config = st::default_config();
  spec.default_config["synth"] = st::SynthSpec::defaults_json();
  spec.uses_device = true;
  spec.uses_resume = true;
  spec.requires_out = true;
  labkit::Tool tool(spec);
  labkit::torchutil::install(tool);
  tool.add_versions(labkit::imageio::versions());
  auto& app = tool.app();

  st::DataSource data;
  bool quirks = false;
  app.add_option("--manifest", data.manifest,
                 "JSON {\"cases\": [{name, image, label?, split: train|val|test}]} (paths relative to it)");
  app.add_option("--h5-root", data.h5_root,
                 "Upstream HDF5 layout: ROOT/{train,val,test}.txt lists and ROOT/data/<name>.h5 (BraTS) or "
                 "ROOT/data/<name>/mri_norm2.h5 (LA) with datasets image, label");
  app.add_flag("--upstream-quirks", quirks, "Reproduce the released SemiSAM+ behaviour (same as --set upstream_quirks=true)");
  st::SynthCommand synth_args;
  auto* synth = app.add_subcommand("synth", "Write a synthetic left-atrium-like task (NIfTI + manifest.json) into --out");
  synth->add_option("--cases", synth_args.cases, "Number of volumes");
  synth->add_option("--val", synth_args.val, "Of which validation volumes");
  synth->add_option("--test", synth_args.test, "Of which test volumes");
  synth->fallthrough();
  std::string model;
  std::vector<std::string> images;
  auto* predict = app.add_subcommand("predict", "Segment volumes with a trained model; masks in each input's geometry");
  predict->add_option("--checkpoint", model, "model.safetensors written by training")->required();
  predict->add_option("images", images, "NIfTI/NRRD/MetaImage volumes or DICOM folders")->required();
  predict->fallthrough();
  st::ProbeCommand probe_args;
  auto* probe = app.add_subcommand(
      "probe-generalist", "Dice of generalists prompted from the labels of random patches (is a generalist informative?)");
  probe->add_option("--generalist", probe_args.generalists, "labkit::sammed3d checkpoint (repeat for several: mean probability)")
      ->required();
  probe->add_option("--clicks", probe_args.clicks, "Click counts to score")->delimiter(',');
  probe->add_option("--patches", probe_args.patches, "Random patches per case");
  probe->add_option("--split", probe_args.split, "Cases to probe: train, val or test");
  probe->fallthrough();

  return tool.main(argc, argv, [&](labkit::Run& run) {
    if (synth->parsed()) return st::synth_command(synth_args, run);
    if (predict->parsed()) return st::predict_command(model, images, run);
    if (probe->parsed()) return st::probe_command(data, probe_args, run);
    st::train_command(data, quirks, run);
  });
}
