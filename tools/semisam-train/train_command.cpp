// `semisam-train` (training) and `semisam-train predict` as named steps.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <chrono>
#include <cstring>
#include <filesystem>

#include "commands.h"
#include "dataset.h"
#include "evaluate.h"
#include "generalist.h"
#include "labkit/core/error.h"
#include "labkit/core/log.h"
#include "labkit/core/termination.h"
#include "labkit/core/timer.h"
#include "labkit/distributed/launch_env.h"
#include "labkit/distributed/process_group.h"
#include "labkit/imageio/image.h"
#include "labkit/torchutil/runtime.h"
#include "settings.h"
#include "trainer.h"

namespace labkit::semisam_train {

namespace fs = std::filesystem;

namespace {

// A volume axis under half the patch would make every crop mostly padding: refused (upstream pads any
// volume up to the patch, which hides a wrong patch size or a wrong file).
void check_sizes(const std::vector<Case>& cases, const std::array<int64_t, 3>& patch) {
  for (const auto& c : cases)
    for (int a = 0; a < 3; ++a)
      if (c.image.size(a) * 2 < patch[a])
        throw labkit::input_error(c.image_path, fmt::format("the patch ({}) is larger than the padded volume allows: "
                                                            "axis {} has {} voxels (tensor order z,y,x), less than half the patch",
                                                            fmt::join(patch, "x"), a, c.image.size(a)));
}

void add_results_table(labkit::Run& run) {
  const auto& m = run.metrics();
  run.summary().add("method", m["method"].get<std::string>() + (m["semisam"].get<bool>() ? " + SemiSAM+" : ""));
  run.summary().add("labeled / unlabeled", fmt::format("{} / {}", m["labeled"].get<int>(), m["unlabeled"].get<int64_t>()));
  if (m.contains("best_val_dice")) run.summary().add("best validation Dice", m["best_val_dice"]);
  if (m.contains("generalists")) run.summary().add("generalist load", m["generalists"]["load_seconds"], "s");
  if (m.contains("evaluation")) {
    const auto& e = m["evaluation"];
    const std::string u = e["units"];
    run.summary().add_table(e["split"].get<std::string>() + " cases", {"metric", "mean"},
                            {{"Dice", e["dice"]}, {"Jaccard", e["jaccard"]}, {"HD95 (" + u + ")", e["hd95"]},
                             {"ASD (" + u + ")", e["asd"]}});
  }
  run.summary().add("model", m["model"]);
}

}  // namespace

void train_command(const DataSource& data, bool upstream_quirks, labkit::Run& run) {
  if (data.manifest.empty() == data.h5_root.empty())
    throw labkit::InputError("give exactly one of --manifest or --h5-root (or use the synth command)");
  labkit::install_sigterm_handler();
  auto s = TrainSettings::from_config(run.config());
  s.upstream_quirks = s.upstream_quirks || upstream_quirks;
  const auto device = labkit::torchutil::parse_device(run.device());
  const std::string source = data.manifest.empty() ? data.h5_root : data.manifest;
  Dataset d;
  {
    labkit::ScopedTimer timer(run.timings(), "read_data");
    d = data.manifest.empty() ? read_h5_dataset(data.h5_root) : read_manifest_dataset(data.manifest);
  }
  check_labeled(d, s.labeled_num, source);
  check_sizes(d.train, s.patch);
  std::unique_ptr<SamBranch> sam;
  if (s.semisam.enabled) {
    labkit::ScopedTimer timer(run.timings(), "load_generalists");
    sam = std::make_unique<SamBranch>(s.semisam, UpstreamQuirks::all(s.upstream_quirks), device);
  }
  // Data parallel when launched by torchrun-style variables or srun (README "Data parallel").
  const auto env = labkit::distributed::launch_env_from_environment();
  auto group = labkit::distributed::ProcessGroup::create(env, device);
  run.report_extra()["distributed"] = {{"rank", env.rank}, {"world_size", env.world_size},
                                       {"backend", group->backend()}, {"source", env.source}};
  Trainer trainer(s, std::move(d), run, device, sam.get(), *group);
  trainer.train();
  add_results_table(run);
}

void predict_command(const std::string& checkpoint, const std::vector<std::string>& images, labkit::Run& run) {
  const auto s = TrainSettings::from_config(run.config());
  const auto device = labkit::torchutil::parse_device(run.device());
  auto net = load_specialist(checkpoint, device);
  std::vector<std::vector<nlohmann::json>> rows;
  run.metrics()["masks"] = nlohmann::json::array();
  for (const auto& path : images) {
    const auto c = read_image_case(path);
    const auto mask = predict_mask(*net, c.image, s, device).to(torch::kFloat32).contiguous();
    auto v = imageio::make_volume(c.geometry);
    std::copy(mask.data_ptr<float>(), mask.data_ptr<float>() + mask.numel(), v.voxels.begin());
    std::string stem = fs::path(path).filename().string();
    for (const char* ext : {".nii.gz", ".nii", ".nrrd", ".mha", ".mhd"})
      if (stem.size() > std::strlen(ext) && stem.compare(stem.size() - std::strlen(ext), std::strlen(ext), ext) == 0) {
        stem.resize(stem.size() - std::strlen(ext));
        break;
      }
    const auto out = run.out().file(stem + "_mask.nii.gz");
    imageio::write_volume(v, out, imageio::PixelType::kUInt8);
    const int64_t fg = mask.sum().item<int64_t>();
    double voxel_ml = c.geometry.spacing[0] * c.geometry.spacing[1] * c.geometry.spacing[2] / 1000.0;
    run.metrics()["masks"].push_back({{"image", path}, {"mask", out}, {"foreground_voxels", fg}, {"volume_ml", fg * voxel_ml}});
    rows.push_back({stem, fg, fg * voxel_ml});
  }
  run.summary().add_table("masks", {"image", "foreground voxels", "volume (ml)"}, rows);
}

}  // namespace labkit::semisam_train
