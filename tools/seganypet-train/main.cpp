// seganypet-train: trains the seganypet-infer model family (SAM-Med3D architecture) on PET volumes with
// high- and low-quality labels by cross-prompting confident learning (CPCL, SegAnyPET), or plainly on all
// labels; data-parallel with torch c10d. `phantoms` writes a PET phantom training set with simulated
// low-quality labels; `--install-default` makes the result the default model of seganypet-infer.
#include <filesystem>

#include "dataset.h"
#include "labkit/core/atomic_file.h"
#include "labkit/core/error.h"
#include "labkit/core/log.h"
#include "labkit/distributed/launch_env.h"
#include "labkit/distributed/process_group.h"
#include "labkit/petseg/default_model.h"
#include "labkit/petseg/label_noise.h"
#include "labkit/petseg/phantom.h"
#include "labkit/sammed3d/checkpoint.h"
#include "labkit/torch/runtime.h"
#include "phantom_set.h"
#include "settings.h"
#include "trainer.h"

namespace fs = std::filesystem;
namespace ps = labkit::petseg;
namespace st = seganypet_train;

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
  labkit::torchrt::install(tool);
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
      return;
    }
    if (manifest.empty()) throw labkit::InputError("no --manifest given (or use the phantoms command)");
    auto settings = st::TrainSettings::from_config(run.config());
    const auto device = labkit::torchrt::parse_device(run.device());
    // Crop size: the model's input size (from the fine-tuning checkpoint when there is one).
    settings.data.crop_size = settings.init_checkpoint.empty()
                                  ? labkit::sammed3d::SamConfig::named_or_file(settings.model).img_size
                                  : labkit::sammed3d::read_checkpoint_config(settings.init_checkpoint).img_size;
    const auto cases = st::read_manifest(manifest);
    auto train = st::load_samples(cases, "train", settings.data);
    auto val = st::load_samples(cases, "val", settings.data);
    if (train.empty()) throw labkit::input_error(manifest, "no training target (split \"train\") survived loading");
    const auto env = labkit::dist::launch_env_from_environment();
    auto group = labkit::dist::ProcessGroup::create(env, device);
    run.report_extra()["distributed"] = {{"rank", env.rank}, {"world_size", env.world_size}, {"backend", group->backend()},
                                         {"source", env.source}};
    st::Trainer trainer(settings, std::move(train), std::move(val), run, *group, device);
    trainer.train();
    if (install_default && group->rank() == 0) {
      const fs::path target = ps::default_model_path();
      fs::create_directories(target.parent_path());
      labkit::write_atomically(target.string(), [&](const std::string& tmp) {
        fs::copy_file(run.out().file("model.safetensors"), tmp, fs::copy_options::overwrite_existing);
      });
      run.metrics()["installed_default"] = target.string();
      labkit::log::info("installed the model as the default: {}", target.string());
    }
  });
}
