// seganypet-infer: promptable 3D segmentation of PET volumes with a SAM-Med3D-architecture model
// (SegAnyPET). Clicks in, a label mask in the image's own grid out; an evaluation mode with simulated
// clicks against a ground truth; batch runs over a manifest or a folder of NIfTI files; `init-model`
// writes a random-weight model, `make-phantom` a test phantom.
#include <cstdio>

#include "batch.h"
#include "commands.h"
#include "labkit/petseg/default_model.h"
#include "labkit/sammed3d/checkpoint.h"
#include "labkit/imageio/image.h"
#include "labkit/torchutil/runtime.h"
#include "settings.h"

int main(int argc, char** argv) {
  labkit::ToolSpec spec;
  spec.name = "seganypet-infer";
  spec.description =
      "Promptable 3D PET segmentation (SegAnyPET / SAM-Med3D vit_b_ori): clicks in, a mask in the image's grid out";
  spec.default_config = labkit::seganypet_infer::default_config();
  spec.uses_device = true;
  spec.uses_shard = true;
  labkit::Tool tool(spec);
  labkit::torchutil::install(tool);
  tool.add_versions(labkit::imageio::versions());  // ITK and GDCM
  auto& app = tool.app();

  labkit::seganypet_infer::CaseSpec one;
  std::string checkpoint, manifest, arch = "tiny";
  app.add_option("image", one.image,
                 "PET image: NIfTI/MetaImage/NRRD file, DICOM series folder, or a folder of NIfTI files (one case each)");
  app.add_option("--checkpoint", checkpoint,
                 "Model weights (.safetensors; see scripts/convert for official .pth files). Default: " +
                     labkit::petseg::default_model_path());
  app.add_option("--point", one.points, "Click at voxel index i,j,k[,label] of the image (label 1 fg, 0 bg; repeatable)");
  app.add_option("--point-mm", one.points_mm, "Click at world position x,y,z[,label] in mm, LPS as ITK/DICOM (repeatable)");
  app.add_option("--point-ras", one.points_ras,
                 "Click at world position x,y,z[,label] in mm, RAS as nibabel/MONAI/Slicer (repeatable)");
  app.add_option("--prompts", one.prompts,
                 "JSON file of targets: {\"targets\": [{\"label\": 1, \"points\": [...]}]} (a folder of <case>.json "
                 "with a folder of images)");
  app.add_option("--gt", one.gt,
                 "Ground-truth label map: evaluation with simulated clicks, Dice in report.json (a folder of "
                 "<case>.nii.gz with a folder of images)");
  bool suv_flag = false;
  app.add_flag("--suv", suv_flag, "Report values in body-weight SUV from the PET DICOM tags (same as --set suv=true)");
  app.add_option("--manifest", manifest, "JSON {\"cases\": [{name, image, gt | prompts}]}: batch run (with --shard)");
  auto* init = app.add_subcommand("init-model", "Write a random-weight model (upstream initialisation, --seed) to --out/model.safetensors");
  init->add_option("--model", arch, "Model size: tiny, small, vit_b_ori, or a JSON file of sizes (see libs/sammed3d config.h)");
  init->add_option("--arch", arch, "Old name of --model")->group("");  // hidden: scripts written before issue 13
  init->fallthrough();
  int lesions = 3;
  auto* phantom = app.add_subcommand("make-phantom", "Write a PET-like test phantom: --out/pet.nii.gz and --out/lesions.nii.gz (one label per lesion; --seed)");
  phantom->add_option("--lesions", lesions, "Number of spherical lesions")->check(CLI::Range(1, 20));
  phantom->fallthrough();

  return tool.main(argc, argv, [&](labkit::Run& run) {
    if (init->parsed()) return labkit::seganypet_infer::init_model_command(arch, run);
    if (phantom->parsed()) return labkit::seganypet_infer::make_phantom_command(lesions, run);
    auto settings = labkit::seganypet_infer::Settings::from_config(run.config());
    settings.suv = settings.suv || suv_flag;
    const auto list = labkit::seganypet_infer::collect_cases(one, manifest, run.shard());
    run.out();  // fail on a missing --out before loading the model
    const auto path = labkit::seganypet_infer::resolve_checkpoint(checkpoint);
    auto model = labkit::sammed3d::load_model(path, labkit::torchutil::parse_device(run.device()));
    run.report_extra()["model"] = {{"checkpoint", path}, {"config", model->config.to_json()},
                                   {"parameters", labkit::sammed3d::parameter_count(*model)}};
    const auto results = labkit::seganypet_infer::segment_cases(*model, list.cases, settings, run);
    labkit::seganypet_infer::record_metrics(run.metrics(), results, settings, run.timings());
    if (list.folder) labkit::seganypet_infer::write_folder_outputs(run.out(), run.metrics());
    run.summary().add_text(labkit::seganypet_infer::results_table(run.metrics()));
  });
}
