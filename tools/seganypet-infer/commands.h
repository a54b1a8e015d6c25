// The two helper commands of seganypet-infer: `init-model` (a random-weight model with upstream's
// initialisation) and `make-phantom` (the sphere-lesion test phantom).
#pragma once

#include <string>

#include "labkit/core/tool.h"

namespace labkit::seganypet_infer {

// --out/model.safetensors from `arch` (small, tiny, vit_b_ori or a JSON file of sizes) and --seed.
void init_model_command(const std::string& arch, labkit::Run& run);

// --out/pet.nii.gz and --out/lesions.nii.gz (make_sphere_phantom with --seed).
void make_phantom_command(int lesions, labkit::Run& run);

}  // namespace labkit::seganypet_infer
