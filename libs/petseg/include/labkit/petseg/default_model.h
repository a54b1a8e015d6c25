// Where the default PET lesion model lives: seganypet-train writes it there (--install-default), and
// seganypet-infer and semisam-train load it when no checkpoint is given.
// $LABKIT_MODEL_DIR/seganypet/default.safetensors, LABKIT_MODEL_DIR defaulting to ~/.cache/labkit/models.
#pragma once

#include <string>

namespace labkit::petseg {

std::string default_model_path();

}  // namespace labkit::petseg
