// seganypet-infer: promptable 3D segmentation of PET volumes with a SAM-Med3D-architecture model
// (SegAnyPET). Clicks in, a label mask in the image's own grid out; an evaluation mode with simulated
// clicks against a ground truth; batch runs over a manifest; `init-model` writes a random-weight model.
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "cases.h"
#include "phantom.h"
#include "labkit/core/error.h"
#include "labkit/core/log.h"
#include "labkit/core/progress.h"
#include "labkit/imageio/image.h"
#include "labkit/petseg/default_model.h"
#include "labkit/sammed3d/checkpoint.h"
#include "labkit/torch/runtime.h"

namespace fs = std::filesystem;
namespace sm = labkit::sammed3d;

namespace {

// The default model seganypet-train installs (--install-default); the path logic lives in libs/petseg.
std::string default_checkpoint() { return labkit::petseg::default_model_path(); }

}  // namespace

int main(int argc, char** argv) {
  labkit::ToolSpec spec;
  spec.name = "seganypet-infer";
  spec.description =
      "Promptable 3D PET segmentation (SegAnyPET / SAM-Med3D vit_b_ori): clicks in, a mask in the image's grid out";
  spec.default_config = {{"spacing_mm", 1.5}, {"eval_clicks", {1, 3, 5, 10}}, {"nsd_tolerance_mm", 1.0}, {"max_crops", 8}, {"suv", false}};
  spec.uses_device = true;
  spec.uses_shard = true;
  labkit::Tool tool(spec);
  labkit::torchrt::install(tool);
  auto& app = tool.app();

  seganypet::CaseSpec one;
  std::string checkpoint, manifest, arch = "tiny";
  app.add_option("image", one.image, "PET image: NIfTI/MetaImage/NRRD file or DICOM series folder");
  app.add_option("--checkpoint", checkpoint,
                 "Model weights (.safetensors; see scripts/convert for official .pth files). Default: " +
                     default_checkpoint());
  app.add_option("--point", one.points, "Click at voxel index i,j,k[,label] of the image (label 1 fg, 0 bg; repeatable)");
  app.add_option("--point-mm", one.points_mm, "Click at world position x,y,z[,label] in mm, LPS as ITK/DICOM (repeatable)");
  app.add_option("--prompts", one.prompts, "JSON file of targets: {\"targets\": [{\"label\": 1, \"points\": [...]}]}");
  app.add_option("--gt", one.gt, "Ground-truth label map: evaluation with simulated clicks, Dice in report.json");
  bool suv_flag = false;
  app.add_flag("--suv", suv_flag, "Report values in body-weight SUV from the PET DICOM tags (same as --set suv=true)");
  app.add_option("--manifest", manifest, "JSON {\"cases\": [{name, image, gt | prompts}]}: batch run (with --shard)");
  auto* init = app.add_subcommand("init-model", "Write a random-weight model (upstream initialisation, --seed) to --out/model.safetensors");
  init->add_option("--arch", arch, "Model size: tiny, vit_b_ori, or a JSON file of sizes (see libs/sammed3d config.h)");
  init->fallthrough();
  int lesions = 3;
  auto* phantom = app.add_subcommand("make-phantom", "Write a PET-like test phantom: --out/pet.nii.gz and --out/lesions.nii.gz (one label per lesion; --seed)");
  phantom->add_option("--lesions", lesions, "Number of spherical lesions")->check(CLI::Range(1, 20));
  phantom->fallthrough();

  return tool.main(argc, argv, [&](labkit::Run& run) {
    if (init->parsed()) {
      auto cfg = sm::SamConfig::named_or_file(arch);
      auto model = sm::init_model(cfg, run.seed());
      const auto path = run.out().file("model.safetensors");
      sm::save_model(*model, path);
      run.metrics()["model"] = path;
      run.metrics()["parameters"] = sm::parameter_count(*model);
      run.metrics()["model_config"] = cfg.to_json();
      labkit::log::info("wrote {} ({} parameters)", path, sm::parameter_count(*model));
      return;
    }
    if (phantom->parsed()) {
      auto p = seganypet::make_phantom(run.seed(), lesions);
      labkit::image::write_volume(p.pet, run.out().file("pet.nii.gz"));
      labkit::image::write_volume(p.labels, run.out().file("lesions.nii.gz"), labkit::image::PixelType::kUInt8);
      run.metrics()["lesions"] = lesions;
      return;
    }
    seganypet::CaseSettings settings;
    settings.spacing_mm = run.config().get<double>("spacing_mm");
    settings.eval_clicks = run.config().get<std::vector<int>>("eval_clicks");
    settings.nsd_tolerance_mm = run.config().get<double>("nsd_tolerance_mm");
    settings.max_crops = run.config().get<int>("max_crops");
    settings.suv = suv_flag || run.config().get<bool>("suv");
    if (settings.max_crops < 1) throw labkit::InputError("config max_crops must be >= 1");
    if (!(settings.nsd_tolerance_mm >= 0)) throw labkit::InputError("config nsd_tolerance_mm must be >= 0");
    if (!(settings.spacing_mm > 0)) throw labkit::InputError("config spacing_mm must be positive");
    if (settings.eval_clicks.empty()) throw labkit::InputError("config eval_clicks must not be empty");
    for (int k : settings.eval_clicks)
      if (k < 1 || k > 100) throw labkit::InputError("config eval_clicks entries must be in 1..100");

    std::vector<seganypet::CaseSpec> cases;
    if (!manifest.empty()) {
      if (!one.image.empty() || !one.points.empty() || !one.points_mm.empty() || !one.prompts.empty() || !one.gt.empty())
        throw labkit::InputError("--manifest replaces the image, --point, --prompts and --gt arguments");
      auto all = seganypet::read_manifest(manifest);
      for (size_t i = 0; i < all.size(); ++i)
        if (run.shard().owns(static_cast<int64_t>(i))) cases.push_back(all[i]);
    } else {
      if (one.image.empty()) throw labkit::InputError("no image given (or use --manifest, or init-model)");
      cases.push_back(one);
    }
    run.out();  // fail on a missing --out before loading the model

    if (checkpoint.empty()) {
      checkpoint = default_checkpoint();
      if (!fs::exists(checkpoint))
        throw labkit::InputError(
            "no --checkpoint given and the default model " + checkpoint +
            " does not exist. It is produced by seganypet-train (set LABKIT_MODEL_DIR to change the folder); "
            "convert an official .pth with scripts/convert/sammed3d_pth_to_safetensors.py, or write a "
            "random-weight test model with `seganypet-infer init-model --arch tiny --out DIR`");
    }
    auto device = labkit::torchrt::parse_device(run.device());
    sm::Sam3D model = sm::load_model(checkpoint, device);
    run.report_extra()["model"] = {{"checkpoint", checkpoint}, {"config", model->config.to_json()},
                                   {"parameters", sm::parameter_count(*model)}};

    nlohmann::json results = nlohmann::json::array();
    labkit::Progress progress("cases", static_cast<int64_t>(cases.size()), "case");
    for (const auto& c : cases) {
      labkit::ScopedTimer t(run.timings(), "case");
      results.push_back(seganypet::run_case(*model, c, settings, run));
      progress.advance();
    }
    progress.finish();
    run.metrics()["cases"] = results;
    const double enc = run.timings().seconds("encode");
    const auto tj = run.timings().to_json();
    if (tj.contains("encode")) run.metrics()["seconds_per_crop_encode"] = enc / tj["encode"]["count"].get<double>();
    if (tj.contains("decode"))
      run.metrics()["seconds_per_click_decode"] = run.timings().seconds("decode") / tj["decode"]["count"].get<double>();
    // Mean Dice over every evaluated target of every case, per click count.
    for (const char* metric : {"dice", "nsd"}) {
      std::map<std::string, std::pair<double, int>> acc;
      for (const auto& r : results)
        for (const auto& t : r["targets"])
          if (t.contains(metric))
            for (auto it = t[metric].begin(); it != t[metric].end(); ++it)
              if (!it.value().is_null()) acc[it.key()].first += it.value().get<double>(), acc[it.key()].second++;
      if (acc.empty()) continue;
      nlohmann::json d;
      for (const auto& [k, v] : acc) d[k] = v.first / v.second;
      run.metrics()[std::string(metric) + "_mean"] = d;
    }
  });
}
