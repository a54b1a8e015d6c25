// The torch side of dbattn-bench (one translation unit): LLaMA checkpoints through labkit::llama with the
// attention softmax replaced by a block-format one, score-row capture, perplexity, and the speed
// comparison against ATen's softmax.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "labkit/core/tool.h"
#include "rows.h"
#include "settings.h"

namespace labkit::dbattn_bench {

// Registers LibTorch's versions and the --threads/--seed hook (keeps torch out of main.cpp).
void install_torch(Tool& tool);

struct ModelInputs {
  std::string model_path;   // llama2.c .bin, HF directory, model.safetensors or index .json
  std::string tokens_path;  // token-id streams; empty: sampled from the model itself (seeded)
};

// Runs the FP32 model over the evaluation streams and keeps model.capture_rows score rows per layer
// (seeded choice; rows with at least window/4 visible keys), as one set with per-row layers.
RowSet capture_rows(const ModelInputs& in, const Settings& s, uint64_t seed, int threads);

// The `ppl` verb: perplexity with torch's softmax and with each ppl format's softmax; per-layer error of
// each format on captured rows.
nlohmann::json perplexity_table(const ModelInputs& in, const Settings& s, uint64_t seed, int threads);

// The `speed` verb: rows/s of the format's kernel and of ATen's softmax on the same [heads·queries, L]
// float32 input, same threads, best of `repeats`; error of the kernel against float64 on those rows.
nlohmann::json speed_table(const Settings& s, uint64_t seed, int threads);

}  // namespace labkit::dbattn_bench
