#include "labkit/llama/llama2c_header.h"

#include <cstdint>
#include <filesystem>
#include <fstream>

#include "labkit/core/error.h"

namespace fs = std::filesystem;

namespace labkit::llama {

Llama2cHeader read_llama2c_header(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw input_error(path, "cannot open llama2.c checkpoint");
  int32_t h[7];
  in.read(reinterpret_cast<char*>(h), sizeof(h));
  if (!in) throw input_error(path, "shorter than the 28-byte llama2.c header");
  Config c;
  c.dim = h[0];
  c.hidden = h[1];
  c.n_layers = h[2];
  c.n_heads = h[3];
  c.n_kv_heads = h[4];
  c.vocab = h[5] < 0 ? -int64_t{h[5]} : h[5];
  c.tied_embeddings = h[5] > 0;
  c.seq_len = h[6];
  c.head_dim = c.n_heads > 0 ? c.dim / c.n_heads : 0;
  c.rope_theta = 10000.0;
  c.norm_eps = 1e-5;
  c.validate(path);
  if (c.dim % c.n_heads != 0) throw input_error(path, "dim is not a multiple of n_heads");
  const int64_t L = c.n_layers, D = c.dim, F = c.hidden, hd = c.head_dim;
  // In 128-bit integers: sizes up to 2^31 each make products past int64 (signed overflow, undefined;
  // found by fuzz/llama2c_header_fuzz). Each factor is below 2^32, so no term nor the sum overflows here.
  using Wide = __int128;
  const Wide V = c.vocab, Lw = L, Dw = D, Fw = F, q = c.q_dim(), kv = c.kv_dim();
  const Wide floats = V * Dw + Lw * Dw + Lw * Dw * q + 2 * Lw * Dw * kv + Lw * q * Dw + Lw * Dw + 3 * Lw * Dw * Fw + Dw +
                      Wide{c.seq_len} * hd + (c.tied_embeddings ? 0 : V * Dw);
  const auto size = static_cast<int64_t>(fs::file_size(path));
  const Wide implied = 28 + 4 * floats;
  if (implied != size) {
    const std::string implied_text =
        implied > Wide{INT64_MAX} ? "more than 2^63" : std::to_string(static_cast<int64_t>(implied));
    throw input_error(path, "file has " + std::to_string(size) + " bytes but its header (dim " + std::to_string(D) +
                                ", hidden " + std::to_string(F) + ", layers " + std::to_string(L) + ", vocab " +
                                std::to_string(c.vocab) + ") implies " + implied_text);
  }
  const auto n_floats = static_cast<int64_t>(floats);
  return {c, n_floats};
}

}  // namespace labkit::llama
