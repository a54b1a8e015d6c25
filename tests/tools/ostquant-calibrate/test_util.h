// Shared helpers of the ostquant-calibrate tests.
#pragma once

#include <torch/torch.h>

#include <string>

#include "labkit/llama/io.h"
#include "settings.h"

namespace labkit::ostquant_calibrate::test {

inline std::string stories_path() { return std::string(LABKIT_SHARED_DATA_DIR) + "/llm/stories260K.bin"; }
inline const labkit::llama::Model& stories() {
  static labkit::llama::Model m = labkit::llama::load_llama2c(stories_path());
  return m;
}
// The training options of the default config (the one source of defaults).
inline TrainOptions default_train_options() { return Settings::defaults().train; }
inline torch::Tensor random_tokens(int64_t B, int64_t T, uint64_t seed) {
  auto gen = at::detail::createCPUGenerator(seed);
  return torch::randint(0, 512, {B, T}, gen, torch::TensorOptions().dtype(torch::kLong));
}

}  // namespace labkit::ostquant_calibrate::test
