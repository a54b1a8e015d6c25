#include "commands.h"

#include <fmt/format.h>

#include <filesystem>

#include "dataset.h"
#include "labkit/core/atomic_file.h"
#include "labkit/core/curves.h"
#include "labkit/core/error.h"
#include "labkit/core/log.h"
#include "labkit/distributed/launch_env.h"
#include "labkit/distributed/process_group.h"
#include "labkit/petseg/default_model.h"
#include "labkit/sammed3d/checkpoint.h"
#include "labkit/torchutil/runtime.h"
#include "settings.h"
#include "labkit/core/termination.h"
#include "trainer.h"

namespace labkit::seganypet_train {

namespace fs = std::filesystem;

namespace {

void install_default_model(labkit::Run& run) {
  const fs::path target = labkit::petseg::default_model_path();
  fs::create_directories(target.parent_path());
  labkit::write_atomically(target.string(), [&](const std::string& tmp) {
    fs::copy_file(run.out().file("model.safetensors"), tmp, fs::copy_options::overwrite_existing);
  });
  run.metrics()["installed_default"] = target.string();
  labkit::log::info("installed the model as the default: {}", target.string());
}

}  // namespace

void train_command(const std::string& manifest, bool install_default, labkit::Run& run) {
  if (manifest.empty()) throw labkit::InputError("no --manifest given (or use the phantoms command)");
  labkit::install_sigterm_handler();  // SIGTERM: stop after the current step, exit 1, --resume continues
  auto settings = TrainSettings::from_config(run.config());
  const auto device = labkit::torchutil::parse_device(run.device());
  // Crop size: the model's input size (from the fine-tuning checkpoint when there is one).
  settings.data.crop_size = settings.init_checkpoint.empty()
                                ? labkit::sammed3d::SamConfig::named_or_file(settings.model).img_size
                                : labkit::sammed3d::read_checkpoint_config(settings.init_checkpoint).img_size;
  const auto cases = read_manifest(manifest);
  auto train = load_samples(cases, "train", settings.data);
  auto val = load_samples(cases, "val", settings.data);
  if (train.empty()) throw labkit::input_error(manifest, "no training target (split \"train\") survived loading");
  const auto env = labkit::distributed::launch_env_from_environment();
  auto group = labkit::distributed::ProcessGroup::create(env, device);
  run.report_extra()["distributed"] = {{"rank", env.rank}, {"world_size", env.world_size},
                                       {"backend", group->backend()}, {"source", env.source}};
  Trainer trainer(settings, std::move(train), std::move(val), run, *group, device);
  trainer.train();
  run.report_extra()["curves"] = training_curves(run.metrics().at("history"));
  if (install_default && group->rank() == 0) install_default_model(run);
}

std::string training_table(const nlohmann::json& m) {
  std::string text = fmt::format("{:>5} {:>10}", "epoch", "train_loss");
  const auto& history = m.at("history");
  std::vector<int> clicks;
  for (const auto& e : history)
    if (e["val_dice"].contains("clicks")) clicks = e["val_dice"]["clicks"].get<std::vector<int>>();
  for (int k : clicks) text += fmt::format(" {:>9}", fmt::format("Dice@{}", k));
  text += "\n";
  for (const auto& e : history) {
    text += fmt::format("{:>5} {:>10.4f}", e["epoch"].get<int>(), e["train_loss"].get<double>());
    if (e["val_dice"].contains("dice"))
      for (const auto& d : e["val_dice"]["dice"]) text += fmt::format(" {:>9.4f}", d.get<double>());
    text += "\n";
  }
  return text;
}

nlohmann::json training_curves(const nlohmann::json& history) {
  nlohmann::json curves = nlohmann::json::object();
  for (const auto& e : history) {
    const double epoch = e.at("epoch").get<double>();
    labkit::add_curve_point(curves, "training loss", "epoch", "train_loss", epoch, e.at("train_loss").get<double>());
    const auto& v = e.at("val_dice");
    if (!v.contains("clicks")) continue;  // no validation split
    for (size_t k = 0; k < v["clicks"].size(); ++k) {
      const int clicks = v["clicks"][k].get<int>();
      labkit::add_curve_point(curves, "validation Dice", "epoch", fmt::format("{} click{}", clicks, clicks == 1 ? "" : "s"),
                              epoch, v["dice"][k].get<double>());
    }
  }
  return curves;
}

std::string phantoms_table(const nlohmann::json& p) {
  std::string text = fmt::format("{:<14} {:>6}\n", "phantoms", "count");
  for (const char* k : {"cases", "train", "low_quality", "val", "lesions"})
    text += fmt::format("{:<14} {:>6}\n", k, p.at(k).get<int64_t>());
  for (auto it = p.at("corruptions").begin(); it != p.at("corruptions").end(); ++it)
    text += fmt::format("{:<14} {:>6}\n", "lq " + it.key(), it.value().get<int64_t>());
  return text;
}

}  // namespace labkit::seganypet_train
