// SAM-Med3D weights in safetensors under the upstream state_dict names (scripts/convert/ turns the
// official .pth checkpoints into this). The model config travels in the metadata key "sammed3d_config"
// (JSON); files without it (plain conversions) are vit_b_ori.
#pragma once

#include <string>

#include "labkit/sammed3d/model.h"

namespace labkit::sammed3d {

inline constexpr const char* kConfigMetadataKey = "sammed3d_config";

// The config stored in a checkpoint (vit_b_ori when absent). InputError "<path>: ..." on bad files.
SamConfig read_checkpoint_config(const std::string& path);

// Copies every parameter and buffer from the file into `model`. Every expected name must exist with the
// expected shape, and the file may hold nothing else: InputError "<path>: missing tensor 'k' (expected
// shape [..])", "<path>: tensor 'k' has shape [..], expected [..]", "<path>: unexpected tensor 'k'",
// "<path>: tensor 'k' holds NaN or inf values".
// Values are cast to the model's dtype.
void load_weights(Sam3DImpl& model, const std::string& path);

// The same checks and copy from tensors already in memory; `path` names the source in messages.
void load_state(Sam3DImpl& model, const std::map<std::string, torch::Tensor>& tensors, const std::string& path);

// read_checkpoint_config + construction + load_weights, in eval mode on `device`.
Sam3D load_model(const std::string& path, torch::Device device = torch::kCPU);

// Writes float32 weights and the config metadata (atomically).
void save_model(Sam3DImpl& model, const std::string& path);

// A model with upstream's initialisation (LibTorch defaults; pos_embed and rel_pos zero; Gaussian PE
// matrix N(0,1)), from `seed`.
Sam3D init_model(const SamConfig& c, uint64_t seed);

}  // namespace labkit::sammed3d
