// `semisam-train synth`: the synthetic task as NIfTI files and a manifest in --out.
#include <fmt/format.h>

#include "commands.h"
#include "labkit/core/error.h"
#include "labkit/core/progress.h"
#include "labkit/imageio/image.h"
#include "synthetic.h"
#include "batch_sampler.h"

namespace labkit::semisam_train {

void synth_command(const SynthCommand& args, labkit::Run& run) {
  if (args.cases < 1 || args.val < 0 || args.test < 0 || args.val + args.test >= args.cases)
    throw labkit::InputError(fmt::format("--cases {} --val {} --test {}: need cases > val + test >= 0 (at least one train case)",
                                         args.cases, args.val, args.test));
  const auto spec = SynthSpec::from_config(run.config());
  nlohmann::json cases = nlohmann::json::array();
  int64_t voxels = 0;
  labkit::Progress progress("synthetic volumes", args.cases, "volume");
  for (int i = 0; i < args.cases; ++i) {
    const auto c = make_synthetic_case(spec, mix_seed(run.seed(), 0x5e417 + static_cast<uint64_t>(i)));
    const std::string name = fmt::format("la{:03d}", i);
    imageio::write_volume(c.image, run.out().file(name + ".nii.gz"), imageio::PixelType::kFloat32);
    imageio::write_volume(c.label, run.out().file(name + "_label.nii.gz"), imageio::PixelType::kUInt8);
    const char* split = i < args.cases - args.val - args.test ? "train" : i < args.cases - args.test ? "val" : "test";
    cases.push_back({{"name", name}, {"image", name + ".nii.gz"}, {"label", name + "_label.nii.gz"}, {"split", split}});
    voxels += c.label_voxels;
    progress.advance();
  }
  progress.finish();
  run.out().write("manifest.json", nlohmann::json{{"cases", cases}}.dump(2));
  run.metrics()["synth"] = {{"cases", args.cases},   {"train", args.cases - args.val - args.test},
                            {"val", args.val},       {"test", args.test},
                            {"size", spec.size},     {"spacing", spec.spacing},
                            {"mean_label_voxels", double(voxels) / args.cases},
                            {"manifest", run.out().file("manifest.json")}};
  run.summary().add("volumes", args.cases).add("train / val / test", fmt::format("{} / {} / {}", args.cases - args.val - args.test, args.val, args.test));
  run.summary().add("mean label voxels", double(voxels) / args.cases).add("manifest", run.out().file("manifest.json"));
}

}  // namespace labkit::semisam_train
