// The tiny LLaMA shape the training, LoRA and data-parallel tests share: 2 layers of width 16, grouped-
// query attention (2 heads, 1 key/value head), an 11-token vocabulary. Trains in milliseconds.
#pragma once

#include "labkit/llama/config.h"

namespace labkit::llama::test {

inline Config tiny_config() {
  Config c;
  c.dim = 16, c.hidden = 32, c.n_layers = 2, c.n_heads = 2, c.n_kv_heads = 1, c.vocab = 11, c.seq_len = 32;
  c.head_dim = 8;
  return c;
}

}  // namespace labkit::llama::test
