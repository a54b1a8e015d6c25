// `semisam-train probe-generalist`: is a generalist informative on this task? It is prompted from the
// ground truth (not from a specialist) on random training-size patches of held-out cases, through the
// same SamBranch code the SemiSAM+ branch uses (resampling, axis order, click samplers, mask-prompt chain),
// and its answer after 1, 3, 5, ... clicks is scored by Dice against the label of the patch. A
// random-weight generalist scores near the "all foreground" Dice reported beside it; a useful one far above.
#include <fmt/format.h>

#include <cmath>

#include "augment.h"
#include "commands.h"
#include "dataset.h"
#include "evaluate.h"
#include "generalist.h"
#include "labkit/core/error.h"
#include "labkit/core/progress.h"
#include "labkit/core/seeds.h"
#include "labkit/torchutil/runtime.h"
#include "settings.h"

namespace labkit::semisam_train {

namespace {

struct MeanSd {
  double mean = 0, sd = 0;
};

MeanSd mean_sd(const std::vector<double>& v) {
  MeanSd r;
  for (double x : v) r.mean += x / double(v.size());
  for (double x : v) r.sd += (x - r.mean) * (x - r.mean) / double(std::max<size_t>(v.size() - 1, 1));
  r.sd = std::sqrt(r.sd);
  return r;
}

}  // namespace

void probe_command(const DataSource& data, const ProbeCommand& args, labkit::Run& run) {
  if (data.manifest.empty() == data.h5_root.empty()) throw labkit::InputError("give exactly one of --manifest or --h5-root");
  if (args.generalists.empty()) throw labkit::InputError("probe-generalist needs --generalist CHECKPOINT");
  if (args.patches < 1) throw labkit::InputError("--patches must be at least 1");
  if (args.clicks.empty()) throw labkit::InputError("--clicks must list at least one click count");
  for (int k : args.clicks)
    if (k < 1 || k > 50) throw labkit::InputError(fmt::format("--clicks: {} is outside 1..50", k));
  if (args.split != "train" && args.split != "val" && args.split != "test")
    throw labkit::InputError("--split must be train, val or test, got '" + args.split + "'");
  const auto s = TrainSettings::from_config(run.config());
  const auto device = labkit::torchutil::parse_device(run.device());
  const auto d = data.manifest.empty() ? read_h5_dataset(data.h5_root) : read_manifest_dataset(data.manifest);
  const auto& cases = args.split == "val" ? d.val : args.split == "test" ? d.test : d.train;
  // The patches: `patches` random training crops per labeled case, keeping those with any foreground.
  std::vector<Sample> patches;
  std::mt19937_64 crop_rng(labkit::mix_seed(run.seed(), 0x9e0be));
  for (const auto& c : cases) {
    if (!c.label.defined()) continue;
    for (int i = 0, tries = 0; i < args.patches && tries < 50 * args.patches; ++tries) {
      auto p = random_crop({c.image, c.label}, s.patch, crop_rng);
      if (p.label.sum().item<int64_t>() == 0) continue;
      patches.push_back(std::move(p));
      ++i;
    }
  }
  if (patches.empty())
    throw labkit::InputError("no " + args.split + " case has a labeled patch to probe with (is the split empty?)");
  nlohmann::json rows = nlohmann::json::array();
  std::vector<std::vector<nlohmann::json>> table;
  std::vector<double> all_fg;
  for (const auto& p : patches) {
    const auto ref = p.label > 0;
    all_fg.push_back(binary_dice(torch::ones_like(ref), ref));
  }
  labkit::Progress progress("probing", static_cast<int64_t>(args.clicks.size() * patches.size()), "patch");
  for (int k : args.clicks) {
    auto g = s.semisam;
    g.generalists = args.generalists;
    g.prompt = "point";
    g.clicks = k;
    g.ritm_clicks = std::min(g.ritm_clicks, k);
    g.threshold = 0.5;  // the label is 0/1
    SamBranch branch(g, UpstreamQuirks::all(false), device);
    std::vector<double> scores;
    for (size_t i = 0; i < patches.size(); ++i) {
      const auto image = patches[i].image.unsqueeze(0).unsqueeze(0).to(device);
      const auto ref = patches[i].label > 0;
      const auto fg = ref.to(torch::kFloat32).unsqueeze(0).unsqueeze(0).to(device);
      // The same stream per patch for every click count: k clicks are the first k of a longer run.
      std::mt19937_64 rng(labkit::mix_seed(run.seed(), i));
      const auto pl = branch.pseudo_label(image, fg, rng);
      scores.push_back(binary_dice((pl.probability[0][0] > 0.5).to(torch::kCPU), ref));
      progress.advance();
    }
    const auto ms = mean_sd(scores);
    rows.push_back({{"clicks", k}, {"dice_mean", ms.mean}, {"dice_sd", ms.sd}});
    table.push_back({k, ms.mean, ms.sd});
  }
  progress.finish();
  const auto base = mean_sd(all_fg);
  run.metrics()["probe"] = {{"split", args.split},       {"patches", patches.size()}, {"patch", s.patch},
                            {"generalists", args.generalists}, {"by_clicks", rows},
                            {"all_foreground_dice", base.mean}};
  run.summary().add("patches", fmt::format("{} ({} split, {} per case)", patches.size(), args.split, args.patches));
  run.summary().add_table("Dice of the generalist prompted from the label", {"clicks", "mean", "sd"}, table);
  run.summary().add("Dice of an all-foreground guess", base.mean);
}

}  // namespace labkit::semisam_train
