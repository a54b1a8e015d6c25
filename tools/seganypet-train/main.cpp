// seganypet-train: trains the seganypet-infer model family (SAM-Med3D architecture) on PET volumes with
// high- and low-quality labels by cross-prompting confident learning (CPCL, SegAnyPET), or plainly on all
// labels; data-parallel with torch c10d. `phantoms` writes a PET phantom training set with simulated
// low-quality labels; `--install-default` makes the result the default model of seganypet-infer.
#include <cstdio>

#include "commands.h"
#include "labkit/petseg/default_model.h"
#include "labkit/petseg/label_noise.h"
#include "labkit/petseg/phantom.h"
#include "labkit/imageio/image.h"
#include "labkit/torchutil/runtime.h"
#include "phantom_set.h"
#include "settings.h"

namespace ps = labkit::petseg;
namespace st = labkit::seganypet_train;

int main(int argc, char** argv) {
  labkit::ToolSpec spec;
  spec.name = "seganypet-train";
  spec.description =
      "Train promptable 3D PET segmentation (SegAnyPET / SAM-Med3D) with CPCL on high- and low-quality labels";
  spec.default_config = st::default_config();
  spec.default_config["phantom"] = ps::PhantomSpec{}.to_json();
  spec.default_config["label_noise"] = ps::LabelNoiseSpec{}.to_json();
  spec.uses_device = true;
  spec.uses_resume = true;
  spec.requires_out = true;
  labkit::Tool tool(spec);
  labkit::torchutil::install(tool);
  tool.add_versions(labkit::imageio::versions());  // ITK and GDCM
  auto& app = tool.app();

  std::string manifest;
  bool install_default = false;
  app.add_option("--manifest", manifest, "JSON {\"cases\": [{name, image, label, quality: hq|lq, split: train|val}]}");
  app.add_flag("--install-default", install_default,
               "Also copy the trained model to the default model path (" + ps::default_model_path() + ")");
  st::PhantomSetSettings phantom_settings;
  auto* phantoms = app.add_subcommand(
      "phantoms", "Write a PET phantom set (NIfTI, exact + simulated low-quality labels, manifest.json) into --out");
  phantoms->add_option("--cases", phantom_settings.cases, "Number of phantoms");
  phantoms->add_option("--val-fraction", phantom_settings.val_fraction, "Fraction of cases for validation (exact labels)");
  phantoms->add_option("--lq-fraction", phantom_settings.lq_fraction,
                       "Fraction of training cases whose labels are replaced by simulated low-quality ones");
  phantoms->fallthrough();

  return tool.main(argc, argv, [&](labkit::Run& run) {
    if (phantoms->parsed()) {
      run.metrics()["phantoms"] = st::write_phantom_set(phantom_settings, run.config().at("phantom"),
                                                        run.config().at("label_noise"), run);
      run.summary().add_text(st::phantoms_table(run.metrics()["phantoms"]));
      return;
    }
    st::train_command(manifest, install_default, run);
    run.summary().add_text(st::training_table(run.metrics()));
  });
}
