// Reading and writing LLaMA checkpoints: llama2.c legacy .bin files and Hugging Face safetensors
// (single file or sharded with model.safetensors.index.json, plus config.json).
#pragma once

#include <string>

#include "labkit/llama/model.h"

namespace labkit::llama {

// llama2.c legacy format: 7 int32 (dim, hidden, layers, heads, kv heads, ±vocab, seq_len; negative vocab
// = separate classifier) then float32 weights. q/k rows are permuted from llama2.c's interleaved RoPE
// pairs to HF's rotate_half layout. Throws InputError on a size that does not match the header.
Model load_llama2c(const std::string& path);

// `path` is a directory (config.json + model.safetensors or model.safetensors.index.json) or a
// .safetensors / index .json file with config.json beside it. Tensors are converted to `dtype`.
// Throws InputError naming the file and tensor when a tensor is missing or has the wrong shape.
Model load_hf(const std::string& path, torch::ScalarType dtype = torch::kFloat);

// Loads either format: a directory or .safetensors/.json -> load_hf, anything else -> load_llama2c.
Model load_model(const std::string& path, torch::ScalarType dtype = torch::kFloat);

// Writes config.json and model.safetensors (HF names, `dtype`) into directory `dir` (created).
// A model with online rotations is saved as the plain LLaMA it is equivalent to (W_down without its
// online rotation; the Q/K one cancels in attention), so transformers runs it unchanged; the rotations go
// to online_rotations.safetensors ("down", "qk"), flagged in config.json under labkit_online_hadamard,
// and load_hf puts them back (W_down·H with x·H before down_proj) for quantized evaluation.
inline constexpr const char* kOnlineRotationsFile = "online_rotations.safetensors";
void save_hf(const Model& model, const std::string& dir, torch::ScalarType dtype = torch::kFloat);

}  // namespace labkit::llama
