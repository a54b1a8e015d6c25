#include "commands.h"

#include "labkit/core/log.h"
#include "labkit/imageio/image.h"
#include "labkit/sammed3d/checkpoint.h"
#include "sphere_phantom.h"

namespace labkit::seganypet_infer {

namespace sm = labkit::sammed3d;

void init_model_command(const std::string& arch, labkit::Run& run) {
  const auto cfg = sm::SamConfig::named_or_file(arch);
  auto model = sm::init_model(cfg, run.seed());
  const auto path = run.out().file("model.safetensors");
  sm::save_model(*model, path);
  run.metrics()["model"] = path;
  run.metrics()["parameters"] = sm::parameter_count(*model);
  run.metrics()["model_config"] = cfg.to_json();
  labkit::log::info("wrote {} ({} parameters)", path, sm::parameter_count(*model));
}

void make_phantom_command(int lesions, labkit::Run& run) {
  auto p = make_sphere_phantom(run.seed(), lesions);
  labkit::imageio::write_volume(p.pet, run.out().file("pet.nii.gz"));
  labkit::imageio::write_volume(p.labels, run.out().file("lesions.nii.gz"), labkit::imageio::PixelType::kUInt8);
  run.metrics()["lesions"] = lesions;
}

}  // namespace labkit::seganypet_infer
